// The short reliability suite (CI runs it through `npm test`; `pnpm soak` is the long one):
// faulty backends and hostile clients against our proxy, each with the client-visible outcome
// asserted, and a well-behaved client beside them that must not notice.
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { PingoraError } from '@pingora-ts/error';
import { DnsDiscovery, LoadBalancer } from '@pingora-ts/load-balancer';
import { HttpProxy } from '@pingora-ts/proxy';
import { createCertificate, createCertificateAuthority } from '@pingora-ts/tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsmasq } from '../../../scripts/test-dnsmasq.mjs';

type Behaviour = (socket: net.Socket, head: string) => void;

/** `/large` sends 256 MiB: far more than every socket buffer on the way can hold. */
const LARGE_CHUNK = Buffer.alloc(1024 * 1024, 'l');
const LARGE_BODY = 256 * LARGE_CHUNK.length;
let largeSent = 0;

/** A raw TCP backend whose behaviour depends on the request path. */
async function startBackend(): Promise<{ port: number; close(): void }> {
  const behaviours: Record<string, Behaviour> = {
    '/ok': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    '/killed-mid-response': (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial');
      setTimeout(() => s.destroy(), 20);
    },
    '/reset': (s) => s.resetAndDestroy(),
    '/never': () => {},
    '/garbage': (s) => s.end('this is not HTTP at all\r\n\r\n'),
    '/large': (s) => {
      // Writes only as fast as the proxy reads (honouring 'drain'), counting what it handed over.
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${LARGE_BODY}\r\n\r\n`);
      const pump = () => {
        while (largeSent < LARGE_BODY && !s.destroyed) {
          largeSent += LARGE_CHUNK.length;
          if (!s.write(LARGE_CHUNK)) return void s.once('drain', pump);
        }
      };
      pump();
    },
  };
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      const path = head.split(' ')[1] ?? '/';
      (behaviours[path] ?? behaviours['/ok'])?.(socket, head);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

let backend: Awaited<ReturnType<typeof startBackend>>;
let proxy: HttpProxy;
let port: number;
beforeAll(async () => {
  backend = await startBackend();
  proxy = new HttpProxy(
    { upstreamPeer: () => ({ host: '127.0.0.1', port: backend.port, readTimeoutMs: 300 }) },
    {
      maxRetries: 0,
      http2: { h2c: true },
      server: { headerTimeoutMs: 300, maxBodyBytes: 64 * 1024, parse: { maxHeadSize: 16 * 1024 } },
    },
  );
  ({ port } = await proxy.listen(0, '127.0.0.1'));
});
afterAll(async () => {
  await proxy.close();
  backend.close();
});

const get = async (path: string) => {
  const res = await request(`http://127.0.0.1:${port}${path}`);
  return { status: res.statusCode, body: await res.body.text() };
};

/** A well-behaved request that must keep working whatever else happens. */
const bystander = async () => expect(await get('/ok')).toEqual({ status: 200, body: 'ok' });

async function raw(data: string, ms = 2_000): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const parts: Buffer[] = [];
  socket.on('data', (d: Buffer) => parts.push(d));
  socket.write(data);
  const timer = setTimeout(() => socket.destroy(), ms);
  await once(socket, 'close');
  clearTimeout(timer);
  return Buffer.concat(parts).toString('latin1');
}

describe('faulty backends', () => {
  it('killed mid-response: the client sees the response cut, never a short body taken as whole', async () => {
    await expect(get('/killed-mid-response')).rejects.toThrow();
    await bystander();
  });

  it('resets the connection: 502', async () => {
    expect((await get('/reset')).status).toBe(502);
    await bystander();
  });

  it('accepts and never answers: 504 at the read timeout', async () => {
    expect((await get('/never')).status).toBe(504);
    await bystander();
  });

  it('answers garbage: 502', async () => {
    expect((await get('/garbage')).status).toBe(502);
    await bystander();
  });
});

describe('TLS upstream', () => {
  it('an expired certificate: 502, and the logged error says so', async () => {
    const ca = createCertificateAuthority({ commonName: 'bench CA' });
    const expired = createCertificate(ca, {
      dnsNames: ['localhost'],
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      validityDays: 2,
    });
    const origin = https.createServer({ ...expired }, (_req, res) =>
      res.end('must not be reached'),
    );
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    let logged: PingoraError | undefined;
    const tlsProxy = new HttpProxy({
      upstreamPeer: () => ({
        host: '127.0.0.1',
        port: (origin.address() as AddressInfo).port,
        tls: { ca: ca.cert, sni: 'localhost' },
      }),
      logging: (_s, e) => {
        logged = e;
      },
    });
    const front = await tlsProxy.listen(0, '127.0.0.1');
    try {
      const res = await request(`http://127.0.0.1:${front.port}/`);
      await res.body.dump();
      expect(res.statusCode).toBe(502);
      expect(logged?.kind).toBe('InvalidCert');
      expect(String(logged)).toMatch(/expired/i);
    } finally {
      await tlsProxy.close();
      origin.close();
    }
  });
});

describe('discovery', () => {
  it('the DNS server goes away: the last good backends are kept and requests go on', async () => {
    const dns = await startDnsmasq('bench.test', ['127.0.0.1 app.bench.test']);
    const lb = new LoadBalancer({
      discovery: new DnsDiscovery({
        name: 'app.bench.test',
        type: 'A',
        port: backend.port,
        servers: [`127.0.0.1:${dns.port}`],
        minTtlMs: 50,
        maxTtlMs: 100,
      }),
      discoveryIntervalMs: 100,
      minDiscoveryIntervalMs: 50,
    });
    const errors: unknown[] = [];
    lb.onError((e) => errors.push(e));
    const first = await lb.refresh();
    lb.start();
    const viaDns = new HttpProxy({
      upstreamPeer: () => {
        const b = lb.select('');
        if (b === undefined) throw new Error('no backend');
        return { host: b.host, port: b.port };
      },
    });
    const front = await viaDns.listen(0, '127.0.0.1');
    try {
      // The set starts from DNS's answer: an empty one would fail every request with a 500.
      expect(first.backends.map((b) => b.host)).toEqual(['127.0.0.1']);
      // Status and body together, and the discovery errors so far: a failure says which it was.
      const ask = async () => {
        const res = await request(`http://127.0.0.1:${front.port}/ok`);
        return `${res.statusCode} ${await res.body.text()} (errors: ${errors.map(String).join('; ')})`;
      };
      expect(await ask()).toBe('200 ok (errors: )');
      await dns.stop();
      // Several refreshes fail meanwhile; the set they would have replaced stays.
      for (let i = 0; i < 40 && errors.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(await ask()).toMatch(/^200 ok /);
    } finally {
      await viaDns.close();
      await lb.stop();
      await dns.stop(); // again if the test failed before stopping it: never leave it running
    }
  });
});

describe('hostile clients', () => {
  it('slowloris: the half-sent head is closed at the header timeout (408), others unaffected', async () => {
    const slow = raw('GET /ok HTTP/1.1\r\nHost: a\r\nX-Slow: ', 5_000);
    await bystander();
    expect(await slow).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a client that stops reading a large response stops the proxy reading upstream', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    try {
      socket.write('GET /large HTTP/1.1\r\nHost: a\r\n\r\n');
      await once(socket, 'data');
      socket.pause(); // stops reading: TCP windows fill, the proxy must stop reading upstream too
      // Wait until the backend can hand over nothing more (stable for 300 ms, at most 3 s).
      let last = -1;
      for (let i = 0; i < 30 && largeSent !== last; i++) {
        last = largeSent;
        await new Promise((r) => setTimeout(r, 300));
      }
      // What the backend got rid of is bounded by the kernel's socket buffers on both hops plus
      // the proxy's own high-water marks; a proxy that read on regardless would take it all.
      expect(largeSent).toBeGreaterThan(0);
      expect(largeSent).toBeLessThan(LARGE_BODY / 2);
      await bystander();
    } finally {
      socket.destroy();
    }
  });

  it('header flood: 431; body flood: 413; both close the connection', async () => {
    const flood = `GET /ok HTTP/1.1\r\nHost: a\r\n${'X-Flood: yyyyyyyyyyyyyyyyyyyyyyyy\r\n'.repeat(1000)}\r\n`;
    expect(await raw(flood)).toMatch(/^HTTP\/1\.1 431 [\s\S]*connection: close/i);
    const body = `POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: ${1024 * 1024}\r\n\r\n`;
    expect(await raw(body)).toMatch(/^HTTP\/1\.1 413 /);
    await bystander();
  });

  it('request smuggling shapes: 400 and closed, nothing behind them is served', async () => {
    const smuggled = 'GET /ok HTTP/1.1\r\nHost: a\r\n\r\n';
    for (const shape of [
      `POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      `POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc${smuggled}`,
      `GET /ok HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n${smuggled}`,
    ]) {
      const answer = await raw(shape);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect((answer.match(/HTTP\/1\.1 /g) ?? []).length).toBe(1);
    }
    await bystander();
  });

  it('client disconnects at every phase leave the proxy serving', async () => {
    const cuts = [
      'GET /ok HTT', // inside the request head
      'POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc', // inside the body
      'GET /never HTTP/1.1\r\nHost: a\r\n\r\n', // while the upstream is awaited
      'GET /large HTTP/1.1\r\nHost: a\r\n\r\n', // inside the response body
    ];
    for (const cut of cuts) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(cut);
      await new Promise((r) => setTimeout(r, 30));
      socket.destroy();
    }
    await bystander();
  });

  it('HTTP/2 rapid reset: the flood is cut off and other clients are served', async () => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    let goawayCode: number | undefined;
    const cutOff = new Promise<string>((resolve) => {
      client.on('goaway', (code: number) => {
        goawayCode = code;
        resolve('goaway');
      });
      client.on('close', () => resolve('closed'));
      client.on('error', () => resolve('error'));
      setTimeout(() => resolve('nothing'), 3_000);
    });
    let opened = 0;
    for (let i = 0; i < 2_000 && !client.destroyed && goawayCode === undefined; i++) {
      try {
        const stream = client.request({ ':path': '/never' });
        stream.on('error', () => {});
        stream.close(http2.constants.NGHTTP2_CANCEL);
        opened++;
      } catch {
        break; // the server said GOAWAY: no new streams
      }
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    expect(await cutOff).not.toBe('nothing');
    // ENHANCE_YOUR_CALM (RFC 9113 section 7) when the GOAWAY frame came before the close.
    if (goawayCode !== undefined)
      expect(goawayCode).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect(opened).toBeGreaterThan(0);
    client.destroy();
    await bystander();
  });
});

describe('plain HTTP beside it all', () => {
  it('a node:http client keeps working with keep-alive', async () => {
    const agent = new http.Agent({ keepAlive: true });
    for (let i = 0; i < 20; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/ok', agent }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('ok');
    }
    agent.destroy();
  });
});
