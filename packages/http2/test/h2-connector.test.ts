import http2, { constants } from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Connector, type H2Peer } from '../src/index.js';
import { certificates, closeListener, listen } from './peers.js';
import { FRAME, frame } from './raw-h2.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type StreamHandler = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  session: http2.ServerHttp2Session,
) => void;

/** A node:http2 origin (h2c) counting its connections. */
async function origin(onStream: StreamHandler, settings: http2.Settings = {}) {
  const server = http2.createServer({ settings });
  const sessions: http2.ServerHttp2Session[] = [];
  server.on('session', (s) => sessions.push(s));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    onStream(stream, headers, stream.session as http2.ServerHttp2Session);
  });
  const port = await listen(server as unknown as net.Server);
  cleanups.push(async () => {
    for (const s of sessions) s.destroy();
    await closeListener(server as unknown as net.Server);
  });
  const peer: H2Peer = { host: '127.0.0.1', port, protocol: 'h2' };
  return { port, peer, sessions };
}

function connector(options: ConstructorParameters<typeof H2Connector>[0] = {}): H2Connector {
  const c = new H2Connector(options);
  cleanups.push(() => c.close());
  return c;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe('H2Connector multiplexing', () => {
  it('carries 150 concurrent streams on one connection', async () => {
    const g = gate();
    let live = 0;
    let maxLive = 0;
    const { peer, sessions } = await origin(
      (stream, headers) => {
        live++;
        maxLive = Math.max(maxLive, live);
        if (live === 150) g.open();
        void g.wait.then(() => {
          live--;
          stream.respond({ ':status': 200 });
          stream.end(String(headers[':path']));
        });
      },
      { maxConcurrentStreams: 1000 },
    );
    const c = connector();
    const bodies = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        c.request(peer, { path: `/${i}` }).then(async (r) => (await r.bytes()).toString()),
      ),
    );
    expect(bodies).toEqual(Array.from({ length: 150 }, (_, i) => `/${i}`));
    expect(maxLive).toBe(150);
    expect(sessions.length).toBe(1);
  });

  it('opens another connection when every one is at the peer stream limit', async () => {
    const g = gate();
    let live = 0;
    const { peer, sessions } = await origin(
      (stream) => {
        live++;
        if (live === 25) g.open();
        void g.wait.then(() => {
          stream.respond({ ':status': 204 });
          stream.end();
        });
      },
      { maxConcurrentStreams: 10 },
    );
    const c = connector();
    const done = await Promise.all(
      Array.from({ length: 25 }, () => c.request(peer).then((r) => r.status)),
    );
    expect(done.every((s) => s === 204)).toBe(true);
    expect(sessions.length).toBe(3);
    expect(c.stats().connections).toBe(3);
  });

  it('reuses the connection (isReused) and reconnects after GOAWAY', async () => {
    let n = 0;
    const { peer, sessions } = await origin((stream, _h, session) => {
      n++;
      stream.respond({ ':status': 200 });
      stream.end(`r${n}`);
      if (n === 2) session.goaway(constants.NGHTTP2_NO_ERROR);
    });
    const c = connector();
    const a = await c.request(peer);
    expect([a.isReused, (await a.bytes()).toString()]).toEqual([false, 'r1']);
    const b = await c.request(peer);
    expect([b.isReused, (await b.bytes()).toString()]).toEqual([true, 'r2']);
    for (let i = 0; i < 100 && c.stats().connections > 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    const d = await c.request(peer);
    expect([d.isReused, (await d.bytes()).toString()]).toEqual([false, 'r3']);
    expect(sessions.length).toBe(2);
  });
});

describe('H2Connector errors and retries', () => {
  it('retries a stream left unprocessed by GOAWAY on a new connection', async () => {
    const { peer, sessions } = await origin((stream, headers, session) => {
      if (sessions.length === 1 && headers[':path'] === '/') {
        // RFC 9113 6.8: last stream id 1, so this stream (3) was never processed.
        session.goaway(constants.NGHTTP2_NO_ERROR, 1);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end(sessions.length === 1 ? 'warm' : 'second connection');
    });
    const c = connector();
    expect((await (await c.request(peer, { path: '/warm' })).bytes()).toString()).toBe('warm');
    const r = await c.request(peer, { method: 'POST', body: Buffer.from('replayable') });
    expect((await r.bytes()).toString()).toBe('second connection');
    expect(sessions.length).toBe(2);
  });

  it('retries REFUSED_STREAM once; other resets are H2Error without retry', async () => {
    let n = 0;
    const { peer } = await origin((stream, headers) => {
      n++;
      if (headers[':path'] === '/refuse-once' && n === 1) {
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      if (headers[':path'] === '/internal') {
        stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const c = connector();
    const r = await c.request(peer, { path: '/refuse-once' });
    expect((await r.bytes()).toString()).toBe('ok');
    expect(n).toBe(2);
    const e = await c.request(peer, { path: '/internal' }).catch((x: unknown) => x);
    expect(PingoraError.is(e)).toBe(true);
    const pe = e as PingoraError;
    expect([pe.kind, pe.source, pe.canRetry(true)]).toEqual(['H2Error', 'upstream', false]);
    expect(pe.message).toContain('INTERNAL_ERROR');
    expect(n).toBe(3);
  });

  it('fails the body and the trailers when the peer resets mid-body', async () => {
    const { peer } = await origin((stream) => {
      stream.respond({ ':status': 200 });
      // destroy(error) resets at once; close(code) would send END_STREAM first.
      stream.write('partial', () => stream.destroy(new Error('origin failed')));
    });
    const c = connector();
    const r = await c.request(peer);
    const got: string[] = [];
    const e = await (async () => {
      for await (const chunk of r.body) got.push(Buffer.from(chunk).toString());
    })().catch((x: unknown) => x);
    expect(got.join('')).toBe('partial');
    expect((e as PingoraError).kind).toBe('H2Error');
    await expect(r.trailers).rejects.toThrow(/INTERNAL_ERROR/);
  });

  it('passes trailers and streams a request body; close() resets the stream with CANCEL', async () => {
    const aborted: number[] = [];
    const { peer } = await origin((stream, headers) => {
      if (headers[':path'] === '/hang') {
        stream.respond({ ':status': 200 });
        stream.write('first');
        stream.on('close', () => aborted.push(stream.rstCode ?? -1));
        return;
      }
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
      });
      stream.on('end', () => {
        stream.respond({ ':status': 200 }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-count': String(n) }));
        stream.end(String(headers.te));
      });
    });
    const c = connector();
    async function* body() {
      for (let i = 0; i < 50; i++) yield Buffer.alloc(10_000, i);
    }
    const r = await c.request(peer, { method: 'POST', body: body(), headers: { te: 'trailers' } });
    expect((await r.bytes()).toString()).toBe('trailers');
    expect((await r.trailers).get('x-count')).toBe('500000');
    const h = await c.request(peer, { path: '/hang' });
    for await (const _ of h.body) break;
    h.close();
    for (let i = 0; i < 100 && aborted.length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(aborted).toEqual([constants.NGHTTP2_CANCEL]);
  });

  it('closes a connection whose peer stops answering PING (keepalive timeout)', async () => {
    // A peer that sends its SETTINGS and then nothing: no SETTINGS ACK, no PING ACK, no response.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.write(frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0)));
    });
    const port = await listen(silent);
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await closeListener(silent);
    });
    const c = connector({ pingIntervalMs: 30, pingTimeoutMs: 60 });
    const e = await c
      .request({ host: '127.0.0.1', port, protocol: 'h2', readTimeoutMs: 10_000 })
      .catch((x: unknown) => x);
    expect((e as PingoraError).kind).toBe('ReadTimedout');
    expect((e as PingoraError).message).toContain('PING');
    for (let i = 0; i < 100 && c.stats().connections > 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(c.stats().connections).toBe(0);
  });

  it('keeps a connection whose peer answers PING, and closes it once idle', async () => {
    let pings = 0;
    const { peer, sessions } = await origin((stream) => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const c = connector({ pingIntervalMs: 10, pingTimeoutMs: 5_000 });
    const idlePeer: H2Peer = { ...peer, idleTimeoutMs: 1_000 };
    await (await c.request(idlePeer)).bytes();
    sessions[0]?.on('ping', () => {
      pings++;
    });
    for (let i = 0; i < 300 && pings < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(c.stats().connections).toBe(1);
    // Bounded wait past the 1 s idle timeout.
    for (let i = 0; i < 600 && c.stats().connections > 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(c.stats().connections).toBe(0);
    const again = await c.request(idlePeer);
    expect([again.isReused, (await again.bytes()).toString()]).toEqual([false, 'ok']);
    expect(sessions.length).toBe(2);
  });

  it('maps a refused connection to a retryable connect error', async () => {
    const probe = net.createServer();
    const port = await listen(probe);
    await closeListener(probe);
    const e = await connector()
      .request({ host: '127.0.0.1', port, protocol: 'h2' })
      .catch((x: unknown) => x);
    expect((e as PingoraError).kind).toBe('ConnectRefused');
    expect((e as PingoraError).canRetry(false)).toBe(true);
  });
});

describe('protocol preference', () => {
  it('h2h1 speaks h2 when ALPN chooses it and HTTP/1.1 when the peer only has that', async () => {
    const { ca, leaf } = certificates();
    const h2 = http2.createSecureServer(
      { cert: leaf.cert, key: leaf.key, allowHTTP1: true },
      (req, res) => res.end(`v${req.httpVersion}`),
    );
    const h1 = https.createServer({ cert: leaf.cert, key: leaf.key }, (req, res) =>
      res.end(`v${req.httpVersion}`),
    );
    const p2 = await listen(h2 as unknown as net.Server);
    const p1 = await listen(h1);
    cleanups.push(async () => {
      h1.closeAllConnections();
      await closeListener(h1);
      await closeListener(h2 as unknown as net.Server);
    });
    const c = connector();
    const tls = { ca: ca.cert, sni: 'localhost' };
    const a = await c.request({ host: '127.0.0.1', port: p2, tls });
    expect([a.protocol, (await a.bytes()).toString()]).toEqual(['h2', 'v2.0']);
    const b = await c.request({ host: '127.0.0.1', port: p1, tls });
    expect([b.protocol, b.isReused, (await b.bytes()).toString()]).toEqual([
      'http/1.1',
      false,
      'v1.1',
    ]);
    const again = await c.request({ host: '127.0.0.1', port: p1, tls });
    expect([again.protocol, again.isReused, (await again.bytes()).toString()]).toEqual([
      'http/1.1',
      true,
      'v1.1',
    ]);
    const only1 = await c.request({ host: '127.0.0.1', port: p2, tls, protocol: 'h1' });
    expect([only1.protocol, (await only1.bytes()).toString()]).toEqual(['http/1.1', 'v1.1']);
    // Requests racing the first handshake with an HTTP/1.1-only peer all get through.
    const fresh = connector();
    const raced = await Promise.all(
      Array.from({ length: 5 }, () =>
        fresh
          .request({ host: '127.0.0.1', port: p1, tls })
          .then(async (r) => [r.protocol, (await r.bytes()).toString()]),
      ),
    );
    expect(raced).toEqual(Array.from({ length: 5 }, () => ['http/1.1', 'v1.1']));
    const e = await c
      .request({ host: '127.0.0.1', port: p1, tls, protocol: 'h2' })
      .catch((x: unknown) => x);
    expect((e as PingoraError).kind).toBe('H2Downgrade');
  });
});
