import http2, { constants } from 'node:http2';
import { PingoraError } from '@pingora-ts/error';
import { afterEach, describe, expect, it } from 'vitest';
import { type H2Handler, H2Server, type H2Session } from '../src/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(handler: H2Handler) {
  const server = new H2Server({ handler });
  const { port } = await server.listen(0, '127.0.0.1');
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  cleanups.push(async () => {
    client.close();
    await server.close();
  });
  return client;
}

/** A promise and the function that resolves it. */
function latch(): [Promise<void>, () => void] {
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return [opened, open];
}

interface Answer {
  informational: number[];
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  rstCode: number;
}

function fetch2(
  client: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
) {
  return new Promise<Answer>((resolve) => {
    const req = client.request(headers, { endStream: body === undefined });
    req.on('error', () => {});
    const a: Answer = { informational: [], status: 0, headers: {}, body: '', rstCode: 0 };
    req.on('headers', (h) => a.informational.push(Number(h[':status'])));
    req.on('response', (h) => {
      a.status = Number(h[':status']);
      a.headers = h;
    });
    req.on('data', (d) => {
      a.body += d;
    });
    req.on('close', () => {
      a.rstCode = req.rstCode ?? 0;
      resolve(a);
    });
    if (body !== undefined) req.end(body);
  });
}

describe('H2Session', () => {
  it('exposes the request like HttpSession: method, target, Host from :authority, joined cookies', async () => {
    let seen: H2Session | undefined;
    let wasDone: boolean[] = [];
    const client = await serve(async (s) => {
      seen = s;
      wasDone = [s.isBodyDone];
      let body = '';
      for await (const c of s.body()) body += Buffer.from(c).toString();
      wasDone.push(s.isBodyDone);
      await s.respond(200, body);
    });
    const a = await fetch2(
      client,
      { ':method': 'PUT', ':path': '/a/b?c=d', ':authority': 'x.example', cookie: ['a=1', 'b=2'] },
      'payload',
    );
    expect(a.body).toBe('payload');
    expect(seen?.request.method).toBe('PUT');
    expect(seen?.request.path).toBe('/a/b');
    expect(seen?.request.query).toBe('c=d');
    expect(seen?.request.headers.get('host')).toBe('x.example');
    expect(seen?.request.headers.get('cookie')).toBe('a=1; b=2');
    expect(seen?.protocol).toBe('h2');
    expect(seen?.socket.remoteAddress).toBe('127.0.0.1');
    expect(wasDone).toEqual([false, true]);
    expect(seen?.isFinished).toBe(true);
  });

  it('sends 1xx heads before the final one; HEAD and 204 carry no body', async () => {
    const client = await serve(async (s) => {
      if (s.request.path === '/hints') {
        await s.writeHead(103, { link: '</style.css>; rel=preload' });
        await s.respond(200, 'after hints');
        return;
      }
      if (s.request.path === '/empty') {
        await s.respond(204, 'ignored');
        return;
      }
      await s.respond(200, 'not sent for HEAD');
    });
    const hints = await fetch2(client, { ':path': '/hints' });
    expect([hints.informational, hints.status, hints.body]).toEqual([[103], 200, 'after hints']);
    const head = await fetch2(client, { ':path': '/', ':method': 'HEAD' });
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '17']);
    const empty = await fetch2(client, { ':path': '/empty' });
    expect([empty.status, empty.body]).toEqual([204, '']);
  });

  it('answers a failing handler with its error status, or resets once the head is out', async () => {
    const client = await serve(async (s) => {
      if (s.request.path === '/forbidden') throw PingoraError.status(403, 'not yours');
      if (s.request.path === '/late') {
        await s.writeHead(200);
        await s.write(Buffer.from('half'));
        throw new Error('failed mid-body');
      }
      throw new Error('boom');
    });
    expect((await fetch2(client, { ':path': '/boom' })).status).toBe(500);
    expect((await fetch2(client, { ':path': '/forbidden' })).status).toBe(403);
    const late = await fetch2(client, { ':path': '/late' });
    expect(late.body).toBe('half');
    expect(late.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
  });

  it('signals a client reset and fails later writes with ConnectionClosed', async () => {
    let result: unknown;
    const [started, arrived] = latch();
    const [done, finished] = latch();
    const client = await serve(async (s) => {
      await s.writeHead(200);
      await s.write(Buffer.from('first'));
      arrived();
      await new Promise<void>((r) => s.signal.addEventListener('abort', () => r(), { once: true }));
      result = await s.write(Buffer.from('second')).catch((e: unknown) => e);
      finished();
    });
    const req = client.request({ ':path': '/' });
    req.on('error', () => {});
    await started;
    req.close(constants.NGHTTP2_CANCEL);
    await done;
    expect(PingoraError.is(result)).toBe(true);
    expect([(result as PingoraError).kind, (result as PingoraError).source]).toEqual([
      'ConnectionClosed',
      'downstream',
    ]);
  });

  it('onAbort: called once on a client reset, at once when registered after it, never for a finished exchange', async () => {
    const calls: string[] = [];
    const [started, arrived] = latch();
    const [done, finished] = latch();
    const client = await serve(async (s) => {
      if (s.request.path === '/ok') {
        s.onAbort(() => calls.push('ok aborted'));
        await s.respond(200, 'fine');
        return;
      }
      s.onAbort(() => calls.push('first'));
      s.onAbort(() => calls.push('second'));
      await s.writeHead(200);
      await s.write(Buffer.from('part'));
      arrived();
      await new Promise<void>((r) => s.onAbort(r));
      s.onAbort(() => calls.push('late'));
      finished();
    });
    expect((await fetch2(client, { ':path': '/ok' })).body).toBe('fine');
    const req = client.request({ ':path': '/reset' });
    req.on('error', () => {});
    await started;
    req.close(constants.NGHTTP2_CANCEL);
    await done;
    expect(calls).toEqual(['first', 'second', 'late']);
  });

  it('write() waits while the client does not read: the response is not buffered whole', async () => {
    let written = 0;
    let finished = false;
    const total = 4 << 20;
    const client = await serve(async (s) => {
      const chunk = Buffer.alloc(16_384, 1);
      await s.writeHead(200);
      for (let sent = 0; sent < total; sent += chunk.length) {
        await s.write(chunk);
        written += chunk.length;
      }
      await s.end();
      finished = true;
    });
    const req = client.request({ ':path': '/big' });
    req.on('error', () => {});
    req.pause();
    await new Promise<void>((r) => req.once('response', () => r()));
    // Let the server run into the client's window (bounded wait; no timing assertion).
    let last = -1;
    for (let i = 0; i < 200 && (written === 0 || written !== last); i++) {
      last = written;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(finished).toBe(false);
    expect(written).toBeGreaterThanOrEqual(16_384);
    // One stream window (65 535) plus node's write and read buffers on both sides.
    expect(written).toBeLessThan(512 * 1024);
    let received = 0;
    req.on('data', (d: Buffer) => {
      received += d.length;
    });
    req.resume();
    await new Promise<void>((r) => req.once('end', () => r()));
    expect(received).toBe(total);
    expect(finished).toBe(true);
  });

  it('rejects what HTTP/2 cannot say: 101 and a second head', async () => {
    const errors: string[] = [];
    const client = await serve(async (s) => {
      await s.writeHead(101).catch((e: Error) => errors.push(e.message));
      await s.writeHead(200);
      await s.writeHead(200).catch((e: Error) => errors.push(e.message));
      await s.end('ok');
    });
    expect((await fetch2(client, { ':path': '/' })).body).toBe('ok');
    expect(errors).toEqual([
      'HTTP/2 has no 101 Switching Protocols (RFC 9113 8.6)',
      'response head already written',
    ]);
  });

  it('respond settles before it returns, and refuses a second head by rejecting, not throwing', async () => {
    const seen: string[] = [];
    const client = await serve(async (s) => {
      const first = s.respond(200, 'whole', { 'content-type': 'text/plain' });
      // Settled already: a then() callback runs on the next microtask, ahead of a timer.
      void first.then(() => seen.push('settled'));
      await Promise.resolve();
      seen.push(s.isFinished ? 'finished' : 'open');
      let second: Promise<void> | undefined;
      try {
        second = s.respond(500, 'again');
      } catch {
        seen.push('threw');
      }
      await second?.catch((e: Error) => seen.push(e.message));
    });
    const answer = await fetch2(client, { ':path': '/' });
    expect(answer.body).toBe('whole');
    expect(seen).toEqual(['settled', 'finished', 'response head already written']);
  });
});
