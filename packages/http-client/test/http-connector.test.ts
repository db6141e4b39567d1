import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderMap, RequestHeader } from '@pingora-ts/http-parser';
import { ConnectionPool } from '@pingora-ts/pool';
import { createCertificate, createCertificateAuthority, TlsSessionCache } from '@pingora-ts/tls';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpConnector } from '../src/index.js';
import { freePort } from './nginx.js';
import { rejection } from './rejection.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(
  handler: http.RequestListener,
  server: http.Server = http.createServer(handler),
): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  cleanups.push(() => server.closeAllConnections());
  return (server.address() as net.AddressInfo).port;
}

function connector(options?: ConstructorParameters<typeof HttpConnector>[0]): HttpConnector {
  const c = new HttpConnector(options);
  cleanups.push(() => c.close());
  return c;
}

describe('HttpConnector against node:http', () => {
  it('streams a chunked response and sends a streamed request body chunked', async () => {
    const port = await serve(async (req, res) => {
      const parts: Buffer[] = [];
      for await (const p of req) parts.push(p as Buffer);
      res.write(`te=${req.headers['transfer-encoding']};`);
      res.write(Buffer.concat(parts));
      setTimeout(() => res.end(';done'), 20);
    });
    async function* body() {
      yield Buffer.from('a');
      yield Buffer.from('bc');
    }
    const res = await connector().request(
      { host: '127.0.0.1', port },
      { method: 'POST', path: '/echo', body: body() },
    );
    expect(res.head.headers.get('transfer-encoding')).toBe('chunked');
    expect((await res.bytes()).toString()).toBe('te=chunked;abc;done');
  });

  it('sends a Buffer body with Content-Length', async () => {
    const port = await serve(async (req, res) => {
      let n = 0;
      for await (const p of req) n += (p as Buffer).length;
      res.end(`${req.headers['content-length']}/${n}`);
    });
    const res = await connector().request(
      { host: '127.0.0.1', port },
      { method: 'PUT', body: Buffer.alloc(100_000, 1) },
    );
    expect((await res.bytes()).toString()).toBe('100000/100000');
  });

  it('skips 100 Continue and reports 101 with the socket and the bytes after the head', async () => {
    const server = http.createServer();
    server.on('checkContinue', (_req, res) => {
      res.writeContinue();
      res.end('after continue');
    });
    server.on('upgrade', (_req, socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhi!',
      );
      socket.on('data', (d: Buffer) => socket.end(d));
    });
    const port = await serve(() => {}, server);
    const c = connector();
    const cont = await c.request(
      { host: '127.0.0.1', port },
      { method: 'POST', headers: { expect: '100-continue' }, body: Buffer.from('x') },
    );
    expect(cont.status).toBe(200);
    expect((await cont.bytes()).toString()).toBe('after continue');
    const up = await c.request(
      { host: '127.0.0.1', port },
      { headers: { connection: 'upgrade', upgrade: 'echo' } },
    );
    expect(up.status).toBe(101);
    const { socket, head } = up.session.takeOver();
    socket.write('ping');
    const [echoed] = (await once(socket, 'data')) as [Buffer];
    expect(head.toString() + echoed.toString()).toMatch(/^hi!(ping)?$|^hi!$/);
    socket.destroy();
  });

  it('retries once on a fresh connection when a reused one dies before any response byte', async () => {
    let connections = 0;
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      // The second request on the first connection: drop the connection without answering.
      if ((req.socket as net.Socket & { n?: number }).n === 1 && requests === 2) {
        req.socket.destroy();
        return;
      }
      res.end('ok');
    });
    server.on('connection', (s: net.Socket & { n?: number }) => {
      s.n = ++connections;
    });
    const port = await serve(() => {}, server);
    const c = connector();
    await (await c.request({ host: '127.0.0.1', port })).bytes();
    const second = await c.request({ host: '127.0.0.1', port });
    expect((await second.bytes()).toString()).toBe('ok');
    expect(second.isReused).toBe(false); // the retry ran on a new connection
    expect(connections).toBe(2);
  });

  it('does not retry a streamed body; the error is ConnectionClosed, retryable only as reused', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/drop') req.socket.destroy();
      else res.end('ok');
    });
    const port = await serve(() => {}, server);
    const c = connector();
    await (await c.request({ host: '127.0.0.1', port })).bytes();
    async function* body() {
      yield Buffer.from('data');
    }
    const e = await rejection(
      c.request({ host: '127.0.0.1', port }, { method: 'POST', path: '/drop', body: body() }),
    );
    expect(e.source).toBe('upstream');
    expect(['ConnectionClosed', 'ReadError', 'WriteError']).toContain(e.kind);
    expect(e.canRetry(true)).toBe(true);
    expect(e.canRetry(false)).toBe(false);
  });

  it('times out a silent upstream with ReadTimedout (504), and refused connects as ConnectRefused', async () => {
    const port = await serve(() => {}); // never answers
    const e = await rejection(connector().request({ host: '127.0.0.1', port, readTimeoutMs: 100 }));
    expect(e.kind).toBe('ReadTimedout');
    expect(e.downstreamStatus()).toBe(504);
    const closed = await freePort();
    const refused = await rejection(connector().request({ host: '127.0.0.1', port: closed }));
    expect(refused.kind).toBe('ConnectRefused');
    expect(refused.canRetry(false)).toBe(true);
  });

  it('rejects a malformed response head as an upstream parse error, not retryable', async () => {
    const server = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const e = await rejection(
      connector().request({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }),
    );
    expect(['InvalidHTTPHeader', 'H1Error']).toContain(e.kind);
    expect(e.source).toBe('upstream');
    expect(e.canRetry(true)).toBe(false);
  });

  it('skips interim heads however they arrive, and tells a close before from a close inside the head', async () => {
    // Each request names what the raw server answers: interim heads in their own writes and in
    // the final head's chunk, a head cut short, or nothing before the close.
    const server = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        const path = d.toString().split(' ')[1];
        if (path === '/interim') {
          s.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n');
          setTimeout(() => {
            s.write(
              'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nCont',
            );
            setTimeout(() => s.end('ent-Length: 4\r\n\r\nbody'), 10);
          }, 10);
        } else if (path === '/cut') {
          s.end('HTTP/1.1 200 OK\r\nContent-Le');
        } else {
          s.end();
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const peer = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
    const c = connector();
    const interim = await c.request(peer, { path: '/interim' });
    expect(interim.status).toBe(200);
    expect(interim.head.headers.get('content-length')).toBe('4');
    expect((await interim.bytes()).toString()).toBe('body');
    const cut = await rejection(c.request(peer, { path: '/cut' }));
    expect(cut.kind).toBe('ConnectionClosed');
    expect(cut.message).toMatch(/inside the response head/);
    expect(cut.canRetry(true)).toBe(false);
    const silent = await rejection(c.request(peer, { path: '/silent' }));
    expect(silent.kind).toBe('ConnectionClosed');
    expect(silent.message).toMatch(/before responding/);
    expect(silent.canRetry(true)).toBe(true);
    expect(silent.canRetry(false)).toBe(false);
  });

  it('closes the connection when the consumer stops reading early, and reads close-delimited bodies', async () => {
    const server = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const c = connector();
    const res = await c.request({ host: '127.0.0.1', port });
    expect((await res.bytes()).toString()).toBe('until the end');
    expect(c.stats().idle).toBe(0);
  });

  it('speaks over a Unix socket and over TLS (with session resumption)', async () => {
    const path = join(tmpdir(), `http-client-${process.pid}-${Date.now()}.sock`);
    const unix = http.createServer((_req, res) => res.end('unix'));
    unix.listen(path);
    await once(unix, 'listening');
    cleanups.push(() => new Promise<void>((r) => unix.close(() => r())));
    const c = connector({ sessions: new TlsSessionCache() });
    expect(
      (await (await c.request({ host: 'localhost', port: 0, unixPath: path })).bytes()).toString(),
    ).toBe('unix');

    const ca = createCertificateAuthority();
    const leaf = createCertificate(ca, { dnsNames: ['origin.test'] });
    const secure = https.createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) =>
      res.end('tls'),
    );
    const port = await serve(() => {}, secure);
    const peer = { host: '127.0.0.1', port, tls: { sni: 'origin.test', ca: ca.cert } };
    expect((await (await c.request(peer)).bytes()).toString()).toBe('tls');
    const again = await c.request(peer);
    expect(again.isReused).toBe(true);
    await again.bytes();
  });
});

describe('HttpConnector connection reuse', () => {
  it('keys a peer object changed between exchanges afresh: each port gets its own connections', async () => {
    const portA = await serve((_req, res) => res.end('a'));
    const portB = await serve((_req, res) => res.end('b'));
    const c = connector();
    // One object, as a proxy that keeps its peers would pass it, changed in place.
    const peer: { host: string; port: number; tls?: { sni: string } } = {
      host: '127.0.0.1',
      port: portA,
    };
    const answers: string[] = [];
    for (const port of [portA, portA, portB, portB, portA]) {
      peer.port = port;
      const res = await c.request(peer, { method: 'GET', path: '/' });
      answers.push(`${(await res.bytes()).toString()}${res.isReused ? '+' : ''}`);
    }
    // The same object, now TLS to a plain listener: never a pooled plain connection.
    peer.port = portA;
    peer.tls = { sni: 'localhost' };
    const error = await rejection(c.request(peer, { method: 'GET', path: '/' }));
    expect(answers).toEqual(['a', 'a+', 'b', 'b+', 'a+']);
    expect(error.kind).toMatch(/TLS|Connect|Closed/i);
  });

  it('keeps one reader on a pooled connection: reused exchanges add no listeners', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const c = connector();
    const peer = { host: '127.0.0.1', port };
    const sockets = new Set<net.Socket>();
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const session = await c.session(peer);
      expect(session.isReused).toBe(i > 0);
      // A reused session counts its own response bytes from zero (the retry decision).
      expect(session.hasResponseBytes).toBe(false);
      sockets.add(session.socket);
      counts.push(
        session.socket.listenerCount('data') +
          session.socket.listenerCount('end') +
          session.socket.listenerCount('close') +
          session.socket.listenerCount('error'),
      );
      expect(session.isRequestWritten).toBe(false);
      const written = session.writeRequest(
        new RequestHeader('GET', '/', 'HTTP/1.1', new HeaderMap([['Host', 'x']])),
      );
      expect(session.isRequestWritten).toBe(true); // taken at once
      await written;
      expect((await session.readResponseHead()).status).toBe(200);
      expect(session.hasResponseBytes).toBe(true);
      expect(Buffer.from(session.takeCompleteBody() ?? []).toString()).toBe('ok');
    }
    expect(sockets.size).toBe(1);
    expect(new Set(counts).size).toBe(1);
    expect(sockets.values().next().value?.listenerCount('data')).toBe(1);
  });

  it('sizes its own pool with poolOptions: three exchanges at once, two kept idle', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const c = connector({ poolOptions: { maxIdle: 2, maxIdlePerKey: 2 } });
    const peer = { host: '127.0.0.1', port };
    const answers = await Promise.all(
      [1, 2, 3].map(async () => (await (await c.request(peer)).bytes()).toString()),
    );
    expect(answers).toEqual(['ok', 'ok', 'ok']);
    const stats = c.stats();
    expect(stats.idle).toBe(2);
    expect(stats.evictions['per-key-cap']).toBe(1);
  });

  it('still drops a pooled connection that receives bytes while idle', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        // Unasked bytes once the connection is idle in the pool: it must not be reused.
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale'), 30);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const pool = new ConnectionPool<net.Socket>();
    cleanups.push(() => pool.close());
    const c = connector({ pool });
    const first = await c.request({ host: '127.0.0.1', port });
    expect((await first.bytes()).toString()).toBe('ok');
    expect(pool.idleCount()).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    // Noticed while idle, not only when next taken.
    expect(pool.idleCount()).toBe(0);
    expect(pool.stats().evictions['unexpected-data']).toBe(1);
    const second = await c.request({ host: '127.0.0.1', port });
    expect((await second.bytes()).toString()).toBe('ok');
    expect(second.isReused).toBe(false);
    expect(connections).toBe(2);
  });

  it('times out a read on a reused connection as on a fresh one', async () => {
    let requests = 0;
    const port = await serve((_req, res) => {
      if (++requests === 1) res.end('ok'); // the second request is never answered
    });
    const c = connector();
    const peer = { host: '127.0.0.1', port, readTimeoutMs: 100 };
    expect((await (await c.request(peer)).bytes()).toString()).toBe('ok');
    const started = performance.now();
    const e = await rejection(c.request(peer));
    expect(e.kind).toBe('ReadTimedout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(requests).toBe(2);
  });

  it('drops a pooled connection as soon as the upstream closes it while idle', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    server.keepAliveTimeout = 50;
    (server as { keepAliveTimeoutBuffer?: number }).keepAliveTimeoutBuffer = 0;
    const port = await serve(() => {}, server);
    const pool = new ConnectionPool<net.Socket>();
    cleanups.push(() => pool.close());
    const c = connector({ pool });
    expect((await (await c.request({ host: '127.0.0.1', port })).bytes()).toString()).toBe('ok');
    expect(pool.idleCount()).toBe(1);
    for (let i = 0; i < 100 && pool.idleCount() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(pool.idleCount()).toBe(0);
    expect(pool.stats().evictions['remote-close']).toBe(1);
    const again = await c.request({ host: '127.0.0.1', port });
    expect((await again.bytes()).toString()).toBe('ok');
    expect(again.isReused).toBe(false);
  });

  it('hands out an idle connection synchronously with pooledSession, and nothing when none is idle', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const c = connector();
    const peer = { host: '127.0.0.1', port };
    expect(c.pooledSession(peer)).toBeUndefined();
    expect((await (await c.request(peer)).bytes()).toString()).toBe('ok');
    const session = c.pooledSession(peer);
    expect(session?.isReused).toBe(true);
    expect(c.pooledSession(peer)).toBeUndefined(); // the only idle one is out
    // A head that cannot be written rejects (WriteError) and closes the connection.
    const e = await rejection(
      session!.writeRequest(new RequestHeader('G T', '/', 'HTTP/1.1', new HeaderMap())),
    );
    expect(e.kind).toBe('WriteError');
    expect(session!.isRequestWritten).toBe(false);
    expect(session!.socket.destroyed).toBe(true);
    expect(c.stats().idle).toBe(0);
  });
});
