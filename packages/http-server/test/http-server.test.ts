import { execFile } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type Handler, HttpServer, type HttpServerInit } from '../src/index.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(handler: Handler, options: Omit<HttpServerInit, 'handler'> = {}) {
  const server = new HttpServer({ handler, ...options });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port };
}

/** Sends raw bytes, returns everything the server wrote until it closed (or `waitMs` passed). */
async function raw(port: number, data: string | Buffer, waitMs = 2_000): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let out = '';
  socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(data);
  await Promise.race([once(socket, 'close'), new Promise((r) => setTimeout(r, waitMs))]);
  socket.destroy();
  return out;
}

const echo: Handler = async (s) => {
  const parts: Uint8Array[] = [];
  for await (const p of s.body()) parts.push(p);
  await s.respond(
    200,
    `${s.request.method} ${s.request.rawTarget} ${Buffer.concat(parts).toString()}`,
  );
};

describe('HttpServer', () => {
  it('serves undici with keep-alive, bodies both ways, chunked responses', async () => {
    const { port } = await start(async (s) => {
      if (s.request.path === '/stream') {
        await s.writeHead(200, { 'content-type': 'text/plain' });
        for (const part of ['a', 'b', 'c']) await s.write(Buffer.from(part));
        return;
      }
      return echo(s);
    });
    const agent = new Agent({ connections: 1 });
    const a = await request(`http://127.0.0.1:${port}/x?y=1`, {
      method: 'POST',
      body: 'hello',
      dispatcher: agent,
    });
    expect(await a.body.text()).toBe('POST /x?y=1 hello');
    const b = await request(`http://127.0.0.1:${port}/stream`, { dispatcher: agent });
    expect(b.headers['transfer-encoding']).toBe('chunked');
    expect(await b.body.text()).toBe('abc');
    await agent.close();
  });

  it('answers curl', async () => {
    const { port } = await start(echo);
    const { stdout } = await promisify(execFile)('curl', [
      '-s',
      '-i',
      '--data-binary',
      'body',
      `http://127.0.0.1:${port}/c`,
    ]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(stdout.endsWith('POST /c body')).toBe(true);
  });

  it('answers pipelined requests in order on one connection', async () => {
    const { port } = await start(echo);
    const out = await raw(
      port,
      'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const bodies = out
      .split('HTTP/1.1 200 ')
      .slice(1)
      .map((r) => r.split('\r\n\r\n')[1]);
    expect(bodies).toEqual(['GET /1 ', 'POST /2 abc', 'GET /3 ']);
  });

  it('answers 400, 414, 431 and 413 with Connection: close and closes', async () => {
    const { port } = await start(echo, {
      parse: { maxRequestLineLength: 100, maxHeadSize: 1024 },
      maxBodyBytes: 10,
    });
    const bad = await raw(port, 'GET / HTTP/1.1\r\nHost : x\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 .*\r\n[\s\S]*Connection: close/);
    expect(await raw(port, `GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 414/,
    );
    expect(await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX: ${'b'.repeat(2000)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431/,
    );
    expect(
      await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890'),
    ).toMatch(/^HTTP\/1\.1 413/);
    expect(
      await raw(
        port,
        'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n01234567890\r\n0\r\n\r\n',
      ),
    ).toMatch(/^HTTP\/1\.1 413/);
    // Smuggling shape: Content-Length with Transfer-Encoding is rejected, nothing is served.
    const smuggle = await raw(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /evil HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(smuggle).toMatch(/^HTTP\/1\.1 400/);
    expect(smuggle).not.toContain('/evil');
  });

  it('reads heads that arrive a byte at a time, and lets a client leave mid-head', async () => {
    // The request loop on a socket of a listener of the test's own, so that its end is seen:
    // `done` settles once the loop has stopped.
    const server = new HttpServer({ handler: echo });
    servers.push(server);
    const served: Promise<void>[] = [];
    const listener = net.createServer((s) => served.push(server.serve(s).done));
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const socket = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    socket.setNoDelay(true);
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    await once(socket, 'connect');
    // Two heads, each byte its own write (and, with the pauses, its own read).
    const heads = 'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n';
    for (const byte of heads) {
      socket.write(byte);
      await new Promise((r) => setTimeout(r, 1));
    }
    for (let i = 0; i < 200 && out.split('HTTP/1.1 200 ').length < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain('GET /one ');
    expect(out).toContain('GET /two ');
    expect(out.indexOf('GET /one ')).toBeLessThan(out.indexOf('GET /two '));
    // Half a head, then the client closes its side: the loop stops, nothing more answered.
    const before = out.length;
    socket.write('GET /three HTTP/1.1\r\nHo');
    await new Promise((r) => setTimeout(r, 20));
    socket.end();
    const stopped = await Promise.race([
      Promise.all(served).then(() => true),
      new Promise((r) => setTimeout(() => r(false), 2_000)),
    ]);
    expect(stopped).toBe(true);
    expect(out.length).toBe(before);
    listener.close();
  });

  it('closes a slowloris client at the header timeout with 408', async () => {
    const { port, server } = await start(echo, { headerTimeoutMs: 200 });
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\n');
    const drip = setInterval(() => socket.write('X-A: b\r\n'), 50); // never finishes the head
    await once(socket, 'close');
    clearInterval(drip);
    expect(out).toMatch(/^HTTP\/1\.1 408/);
    for (let i = 0; i < 50 && server.connections > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(server.connections).toBe(0);
  });

  it('closes an idle keep-alive connection silently, and a stalled later head with 408', async () => {
    const { port } = await start(echo, { keepAliveTimeoutMs: 150, headerTimeoutMs: 400 });
    const request = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    // Idle after a request: closed at the keep-alive timeout, with nothing more written.
    const started = performance.now();
    const idle = await raw(port, request);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(idle.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(idle).toMatch(/^HTTP\/1\.1 200 /);
    // Twice on one connection: the first byte of the third head moves from the keep-alive
    // timer to the header timer, which answers 408 when the head never ends.
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.split('HTTP/1.1 200 ').length === 2) socket.write(request);
      else if (out.split('HTTP/1.1 200 ').length === 3) socket.write('GET /b HTTP/1.1\r\n');
    });
    await once(socket, 'connect');
    socket.write(request);
    const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 50);
    await once(socket, 'close');
    clearInterval(drip);
    expect(out.split('HTTP/1.1 200 ')).toHaveLength(3);
    expect(out).toContain('HTTP/1.1 408 ');
  });

  it('closes a connection after maxRequestsPerConnection exchanges, saying so in the last', async () => {
    const { port } = await start(echo, { maxRequestsPerConnection: 3 });
    const request = (i: number) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const out = await raw(port, [1, 2, 3, 4].map(request).join(''));
    const heads = out.match(/HTTP\/1\.1 \d{3}.*?\r\n\r\n/gs) ?? [];
    expect(heads).toHaveLength(3); // the fourth request is never answered: the connection closed
    expect(heads.map((h) => /\r\nconnection: close/i.test(h))).toEqual([false, false, true]);
    expect(out).toContain('GET /3 ');
    expect(out).not.toContain('GET /4 ');
  });

  it('does not run ahead of a client that sends requests without reading the answers', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'b');
    let handled = 0;
    const { port } = await start(async (s) => {
      handled++;
      await s.writeResponse(200, { 'Content-Length': String(big.length) }, big);
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.pause(); // reads nothing yet
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(30));
    await new Promise((r) => setTimeout(r, 300));
    // Each answer waits for the one before to drain: only what the socket buffers went out.
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(10);
    let received = 0;
    socket.on('data', (d: Buffer) => {
      received += d.length;
    });
    socket.resume();
    for (let i = 0; i < 500 && handled < 30; i++) await new Promise((r) => setTimeout(r, 10));
    expect(handled).toBe(30);
    for (let i = 0; i < 500 && received < 30 * big.length; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(received).toBeGreaterThan(30 * big.length);
    socket.destroy();
  });

  it('sends 100 Continue when the handler reads the body', async () => {
    const { port } = await start(echo);
    const out = await raw(
      port,
      'POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
    );
    expect(out).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200/);
    expect(out.endsWith('POST /e ok')).toBe(true);
  });

  it('hands over the socket and the bytes after the head on upgrade', async () => {
    const { port } = await start(async (s) => {
      await s.writeHead(101, { connection: 'upgrade', upgrade: 'echo' });
      const { socket, head } = s.upgrade();
      socket.write(head);
      socket.pipe(socket);
    });
    const out = await raw(
      port,
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nEARLY',
      300,
    );
    expect(out).toMatch(/^HTTP\/1\.1 101 .*\r\n[\s\S]*\r\n\r\nEARLY$/);
  });

  it('hands over the socket and the bytes after the head on CONNECT', async () => {
    let target = '';
    const { port } = await start((s) => {
      target = `${s.request.method} ${s.request.rawTarget}`;
      const { socket, head } = s.upgrade();
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      socket.write(head);
      socket.pipe(socket);
    });
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    await once(socket, 'connect');
    socket.write('CONNECT upstream.test:443 HTTP/1.1\r\nHost: upstream.test:443\r\n\r\nEARLY');
    await new Promise((r) => setTimeout(r, 100));
    socket.write(' LATER');
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    expect(target).toBe('CONNECT upstream.test:443');
    // The tunnel carries the bytes sent with the head and those after it, unparsed.
    expect(out).toBe('HTTP/1.1 200 Connection Established\r\n\r\nEARLY LATER');
  });

  it('serves 10,000 keep-alive requests on one connection with stable memory', async () => {
    const { port, server } = await start((s) => s.respond(200, 'ok'));
    const agent = new Agent({ connections: 1, pipelining: 1 });
    const heapAt = async (n: number) => {
      for (let i = 0; i < n; i++)
        await (await request(`http://127.0.0.1:${port}/`, { dispatcher: agent })).body.text();
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage().heapUsed;
    };
    const early = await heapAt(2_000);
    const late = await heapAt(8_000);
    expect(server.connections).toBe(1);
    // Nothing per request is kept: 8,000 more requests may not add 1 KiB each.
    expect(late - early).toBeLessThan(8_000 * 1024);
    await agent.close();
  });

  it('leaves nothing behind when a client aborts mid-body', async () => {
    let failures = 0;
    const { port, server } = await start(async (s) => {
      try {
        for await (const _ of s.body()) {
          // read
        }
      } catch {
        failures++;
        throw new Error('aborted');
      }
    });
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    for (let i = 0; i < 50 && server.connections > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(server.connections).toBe(0);
    expect(failures).toBe(1);
  });

  it('closes gracefully: the exchange in progress finishes, idle connections close', async () => {
    let release: () => void = () => {};
    const { port, server } = await start(async (s) => {
      if (s.request.path === '/slow') await new Promise<void>((r) => (release = r));
      await s.respond(200, s.request.path);
    });
    servers.pop();
    const idle = net.connect(port, '127.0.0.1');
    await once(idle, 'connect');
    const slow = request(`http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    setTimeout(() => release(), 50);
    const res = await slow;
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.text()).toBe('/slow');
    await closing;
    expect(server.connections).toBe(0);
    expect(idle.destroyed || idle.readableEnded).toBe(true);
    idle.destroy();
  });
  it('writeResponse sends head and body in one write, and frames HEAD and large bodies right', async () => {
    const small = Buffer.from('small body');
    const large = Buffer.alloc(100_000, 'L');
    const writes: number[] = [];
    const { port } = await start(async (s) => {
      const original = s.socket.write.bind(s.socket);
      let count = 0;
      (s.socket as { write: unknown }).write = (...args: Parameters<typeof original>) => {
        count++;
        return original(...args);
      };
      const body = s.request.rawTarget === '/large' ? large : small;
      expect(s.isWritten).toBe(false);
      const written = s.writeResponse(200, { 'Content-Length': String(body.length) }, body);
      // Handed to the socket whole (the large one waits in its buffer): the promise is settled.
      expect(s.isWritten).toBe(true);
      await written;
      expect(s.isFinished).toBe(true);
      writes.push(count);
      // A second response is a mistake reported as a rejection, never thrown at the caller.
      let thrown: unknown;
      const again = (() => {
        try {
          return s.writeResponse(200, undefined, body);
        } catch (error) {
          thrown = error;
          return undefined;
        }
      })();
      expect(thrown).toBeUndefined();
      await expect(again).rejects.toThrow(/already written/);
    });
    const agent = new Agent({ connections: 1 });
    try {
      const a = await request(`http://127.0.0.1:${port}/small`, { dispatcher: agent });
      expect(await a.body.text()).toBe('small body');
      const b = await request(`http://127.0.0.1:${port}/large`, { dispatcher: agent });
      expect((await b.body.arrayBuffer()).byteLength).toBe(large.length);
      const c = await request(`http://127.0.0.1:${port}/small`, {
        method: 'HEAD',
        dispatcher: agent,
      });
      expect(c.headers['content-length']).toBe(String(small.length));
      expect(await c.body.text()).toBe('');
      // And the connection is still in step after the HEAD: the next answer is whole.
      const d = await request(`http://127.0.0.1:${port}/small`, { dispatcher: agent });
      expect(await d.body.text()).toBe('small body');
    } finally {
      await agent.close();
    }
    expect(writes[0]).toBe(1); // head and small body: one write
    expect(writes[1]).toBe(2); // large body: head, then body
  });

  it('closes even when a connection errors while close() waits for it (EPIPE)', async () => {
    let release: () => void = () => {};
    const { port, server } = await start(async (s) => {
      await new Promise<void>((r) => (release = r));
      // The write to a client that is gone fails: the socket emits 'error' and then 'close'.
      s.socket.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    });
    servers.pop();
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    await once(client, 'connect');
    client.write('GET /gone HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    release();
    await expect(closing).resolves.toBeUndefined();
    expect(server.connections).toBe(0);
    client.destroy();
  });

  describe('flushed()', () => {
    /**
     * A client that sends a GET and reads nothing; the handler writes 32 KiB chunks (under the
     * 64 KiB high-water mark, so no write asks for a drain) until the kernel leaves one in the
     * socket, then calls `check` with the session.
     */
    async function stalled(
      check: (s: Parameters<Handler>[0]) => Promise<void>,
      options: Omit<HttpServerInit, 'handler'> = {},
    ) {
      let done!: (outcome: unknown) => void;
      const outcome = new Promise((r) => (done = r));
      const { port } = await start(async (s) => {
        await s.writeHead(200);
        const chunk = Buffer.alloc(32 * 1024, 'x');
        for (let i = 0; i < 4000 && s.socket.writableLength === 0; i++) await s.write(chunk);
        try {
          await check(s);
          done('resolved');
        } catch (error) {
          done(error);
        }
      }, options);
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => {});
      client.pause();
      await once(client, 'connect');
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      return { client, outcome };
    }

    it('waits until the kernel took a write that asked for no drain', async () => {
      let state: unknown[] = [];
      let isSettled = false;
      const { client, outcome } = await stalled(async (s) => {
        state = [s.socket.writableLength > 0, s.socket.writableNeedDrain];
        const flushed = s.flushed().then(() => (isSettled = true));
        await new Promise((r) => setTimeout(r, 100));
        state.push(isSettled);
        client.resume(); // the client reads at last
        await flushed;
        state.push(s.socket.writableLength);
        await s.end();
      });
      expect(await outcome).toBe('resolved');
      // Bytes left in the socket, no drain asked for, not flushed while the client did not read.
      expect(state).toEqual([true, false, false, 0]);
      client.destroy();
    });

    it('rejects with WriteTimedout when the client takes nothing in time, and closes', async () => {
      const { client, outcome } = await stalled((s) => s.flushed(), { writeTimeoutMs: 200 });
      expect(await outcome).toMatchObject({ kind: 'WriteTimedout' });
      await once(client.resume(), 'close');
    });

    it('rejects with ConnectionClosed when the client goes first', async () => {
      const { client, outcome } = await stalled(async (s) => {
        const flushed = s.flushed();
        client.destroy();
        await flushed;
      });
      expect(await outcome).toMatchObject({ kind: 'ConnectionClosed' });
    });
  });
});
