import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeaderMap, RequestHeader } from '@pingora-ts/http-parser';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpConnector } from '../src/index.js';

// Connections made with `readBufferBytes` read into memory of their own, in turn into two
// buffers of that size: chunks handed out borrowed must never change under their consumer, and
// everything that is not asked for borrowed must be a copy. Bodies here are random bytes, so
// that a byte written over by a later read shows as a different hash.

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  if (server instanceof http.Server) cleanups.push(() => server.closeAllConnections());
  return (server.address() as net.AddressInfo).port;
}

function connector(readBufferBytes: number): HttpConnector {
  const c = new HttpConnector({ readBufferBytes });
  cleanups.push(() => c.close());
  return c;
}

/** A GET request head whose `x-id` names the body the server will keep for the check. */
function get(path: string, id: string): RequestHeader {
  return new RequestHeader(
    'GET',
    path,
    'HTTP/1.1',
    new HeaderMap([
      ['Host', '127.0.0.1'],
      ['x-id', id],
    ]),
  );
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Serves `/N` as N random bytes (chunked unless `?length`), written in uneven pieces. */
async function randomBodies(): Promise<{ port: number; sent: Map<string, Buffer> }> {
  const sent = new Map<string, Buffer>();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = randomBytes(Number(url.pathname.slice(1)));
    sent.set(req.headers['x-id'] as string, body);
    if (url.searchParams.has('length')) res.setHeader('Content-Length', body.length);
    for (let at = 0; at < body.length; ) {
      const n = Math.min(1 + Math.floor(Math.random() * 20_000), body.length - at);
      res.write(body.subarray(at, at + n));
      at += n;
      if (Math.random() < 0.3) await sleep(1);
    }
    res.end();
  });
  return { port: await listen(server), sent };
}

/**
 * A server answering `/x` with 300 bytes of `x` and a Content-Length (the body comes with the
 * head), and one exchange on it through `c`, the body taken whole (`borrow`: lent).
 */
async function wholeBodies(c: HttpConnector, borrow: boolean) {
  const server = http.createServer((req, res) => {
    const body = Buffer.alloc(300, (req.url as string).slice(1));
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });
  const port = await listen(server);
  return async (path: string) => {
    const session = await c.session({ host: '127.0.0.1', port });
    await session.writeRequest(get(path, path));
    await session.readResponseHead();
    return { session, body: session.takeCompleteBody(borrow) as Uint8Array };
  };
}

describe('HttpConnector with readBufferBytes', () => {
  it('body() gives chunks of their own: kept until the end, they still hold what was sent', async () => {
    const { port, sent } = await randomBodies();
    const c = connector(4096);
    for (const path of ['/300000', '/300000?length', '/70000']) {
      const res = await c.request({ host: '127.0.0.1', port }, { path, headers: { 'x-id': path } });
      const parts: Uint8Array[] = [];
      for await (const part of res.body) parts.push(part); // kept, not copied here
      expect(sha(Buffer.concat(parts))).toBe(sha(sent.get(path) as Buffer));
    }
  });

  it.each([
    ['4 KiB reads', 4096],
    ['64 KiB reads, the buffers growing from 16 KiB on the way', 65536],
  ])(
    'body(true) lends chunks that stay intact until the next is asked for, with a slow consumer too (%s)',
    async (_, bytes) => {
      const { port, sent } = await randomBodies();
      const c = connector(bytes);
      let largest = 0;
      for (const slow of [false, true]) {
        for (const path of ['/500000', '/500000?length']) {
          const session = await c.session({ host: '127.0.0.1', port });
          const id = `${path}/${slow}`;
          await session.writeRequest(get(path, id));
          await session.readResponseHead();
          const copies: Buffer[] = [];
          let i = 0;
          for await (const chunk of session.body(true)) {
            const before = sha(chunk);
            // A slow consumer holds the chunk across turns of the event loop, while the
            // upstream keeps sending: later reads must not land on it.
            if (slow && i++ % 7 === 0) await sleep(2);
            expect(sha(chunk)).toBe(before);
            copies.push(Buffer.from(chunk));
            largest = Math.max(largest, chunk.length);
          }
          expect(sha(Buffer.concat(copies))).toBe(sha(sent.get(id) as Buffer));
        }
      }
      // Reads never exceed the size asked for; at 64 KiB the 16 KiB halves grew.
      expect(largest).toBeLessThanOrEqual(bytes);
      if (bytes > 16 * 1024) expect(largest).toBeGreaterThan(16 * 1024);
    },
  );

  it('borrowed chunks are really views of reused memory (kept uncopied, they change)', async () => {
    // The check the other tests rely on: without the copies that body() makes, keeping chunks
    // would show the bytes of later reads. If this ever passed with equal hashes, the tests
    // above would prove nothing.
    const { port, sent } = await randomBodies();
    const c = connector(4096);
    const session = await c.session({ host: '127.0.0.1', port });
    await session.writeRequest(get('/200000', 'views'));
    await session.readResponseHead();
    const kept: Uint8Array[] = [];
    for await (const chunk of session.body(true)) kept.push(chunk);
    expect(sha(Buffer.concat(kept))).not.toBe(sha(sent.get('views') as Buffer));
  });

  it('a body that came with the head is a copy: the pooled connection reading again leaves it be', async () => {
    const exchange = await wholeBodies(connector(1024), false);
    // Reads alternate between two buffers: the third exchange reads where the first did.
    const first = await exchange('/a');
    const second = await exchange('/b');
    const third = await exchange('/c');
    expect([second.session.isReused, third.session.isReused]).toEqual([true, true]); // one connection
    expect(Buffer.from(first.body).toString()).toBe('a'.repeat(300));
    expect(Buffer.from(second.body).toString()).toBe('b'.repeat(300));
    expect(Buffer.from(third.body).toString()).toBe('c'.repeat(300));
  });

  it('takeCompleteBody(true) lends the body and holds the connection until release()', async () => {
    const c = connector(1024);
    const exchange = await wholeBodies(c, true);
    const a = await exchange('/a');
    const b = await exchange('/b'); // a's connection is held: b gets a new one
    expect([a.session.isReused, b.session.isReused]).toEqual([false, false]);
    b.session.release();
    const c1 = await exchange('/c'); // b's connection, back in the pool
    expect(c1.session.isReused).toBe(true);
    c1.session.release();
    expect(Buffer.from(a.body).toString()).toBe('a'.repeat(300)); // unchanged while held
    a.session.release();
    a.session.release(); // twice: nothing more
    expect(c.stats().idle).toBe(2);
  });

  it('a lent body whose connection received bytes meanwhile: released, the pool drops it', async () => {
    const server = net.createServer((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        setTimeout(() => s.write('stray'), 20);
      });
    });
    const port = await listen(server);
    const c = connector(1024);
    const s = await c.session({ host: '127.0.0.1', port });
    await s.writeRequest(get('/', 'stray'));
    await s.readResponseHead();
    expect(Buffer.from(s.takeCompleteBody(true) as Uint8Array).toString()).toBe('ok');
    await sleep(60);
    s.release();
    expect(c.stats().idle).toBe(0);
    expect(s.socket.destroyed).toBe(true);
  });

  it('after a 101 the socket emits its bytes as data like any socket, the ones read with the head first', async () => {
    const server = http.createServer();
    server.on('upgrade', (_req, socket: net.Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n');
      socket.write('first|');
      socket.on('data', (d: Buffer) => socket.write(d));
      cleanups.push(() => void socket.destroy()); // the server does not close upgraded sockets
    });
    const port = await listen(server);
    const c = connector(16);
    const up = await c.request(
      { host: '127.0.0.1', port },
      { headers: { connection: 'upgrade', upgrade: 'x' } },
    );
    expect(up.status).toBe(101);
    const { socket, head } = up.session.takeOver();
    const got: Buffer[] = [head];
    socket.on('data', (d: Buffer) => got.push(d));
    const message = randomBytes(5000).toString('hex');
    socket.write(message);
    const want = `first|${message}`;
    for (let i = 0; i < 200 && Buffer.concat(got).length < want.length; i++) await sleep(5);
    expect(Buffer.concat(got).toString()).toBe(want);
    socket.destroy();
  });

  it('an idle pooled connection that receives bytes is dropped, not handed out', async () => {
    const sockets: net.Socket[] = [];
    const server = http.createServer((_req, res) => res.end('ok'));
    server.on('connection', (s: net.Socket) => sockets.push(s));
    const port = await listen(server);
    const c = connector(1024);
    const first = await c.request({ host: '127.0.0.1', port });
    expect((await first.bytes()).toString()).toBe('ok');
    (sockets[0] as net.Socket).write('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n');
    await sleep(50);
    const second = await c.request({ host: '127.0.0.1', port });
    expect(second.isReused).toBe(false);
    expect((await second.bytes()).toString()).toBe('ok');
  });

  it('parses any response whatever the read size, down to one byte per read (property)', async () => {
    // A raw server: each connection answers one request with the bytes given.
    let answer = Buffer.alloc(0);
    const server = net.createServer((s) => {
      s.once('data', () => s.end(answer));
    });
    const port = await listen(server);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 64 }),
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.array(
          fc.tuple(fc.stringMatching(/^x-[a-z]{1,12}$/), fc.stringMatching(/^[!-~]{0,40}$/)),
          { maxLength: 12 },
        ),
        fc.boolean(),
        async (readBytes, body, fields, isChunked) => {
          const head = [
            'HTTP/1.1 200 OK',
            ...fields.map(([n, v]) => `${n}: ${v}`),
            isChunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`,
            'Connection: close',
          ].join('\r\n');
          const framed = isChunked
            ? Buffer.concat([
                ...(body.length > 0
                  ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]
                  : []),
                Buffer.from('0\r\n\r\n'),
              ])
            : Buffer.from(body);
          answer = Buffer.concat([Buffer.from(`${head}\r\n\r\n`), framed]);
          const c = new HttpConnector({ readBufferBytes: readBytes });
          try {
            const res = await c.request({ host: '127.0.0.1', port });
            for (const [n, v] of fields) expect(res.head.headers.getAll(n)).toContain(v);
            expect(sha(await res.bytes())).toBe(sha(body));
          } finally {
            c.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
