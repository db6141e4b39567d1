import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { PingoraError } from '@pingora-ts/error';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy } from '../src/index.js';
import { closedPort, type Origin, startOrigin } from './origin.js';

let origin: Origin;
beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    if (req.url === '/never') return; // never answers
    res.end(`ok ${req.url}`);
  });
});
afterAll(() => origin.close());

async function withProxy<T>(
  proxy: HttpProxy<Record<string, unknown>>,
  run: (port: number) => Promise<T>,
): Promise<T> {
  const { port } = await proxy.listen(0, '127.0.0.1');
  try {
    return await run(port);
  } finally {
    await proxy.close();
  }
}

describe('upstream failures', () => {
  it('upstream down: 502 after the configured retries, each peer tried', async () => {
    const dead = [await closedPort(), await closedPort(), await closedPort()];
    let logged: PingoraError | undefined;
    let tried: string[] = [];
    const triedFirst: boolean[] = [];
    const proxy = new HttpProxy(
      {
        upstreamPeer: (s) => {
          triedFirst.push(s.hasTried(`127.0.0.1:${dead[0]}`));
          return { host: '127.0.0.1', port: dead[s.retries % dead.length] as number };
        },
        logging: (s, e) => {
          logged = e;
          tried = [...s.triedPeers];
        },
      },
      { maxRetries: 2 },
    );
    const status = await withProxy(proxy, async (port) => {
      const res = await request(`http://127.0.0.1:${port}/`);
      await res.body.dump();
      return res.statusCode;
    });
    expect(status).toBe(502);
    expect(logged?.kind).toBe('ConnectRefused');
    expect(tried).toEqual(dead.map((p) => `127.0.0.1:${p}`));
    expect(triedFirst).toEqual([false, true, true]);
  });

  it('upstream slow: 504 at the read timeout', async () => {
    let logged: PingoraError | undefined;
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port, readTimeoutMs: 150 }),
      logging: (_s, e) => {
        logged = e;
      },
    });
    const status = await withProxy(proxy, async (port) => {
      const res = await request(`http://127.0.0.1:${port}/never`);
      await res.body.dump();
      return res.statusCode;
    });
    expect(status).toBe(504);
    expect(logged?.kind).toBe('ReadTimedout');
    expect(logged?.source).toBe('upstream');
  });

  it('upstream closes a reused connection as the request arrives: the request still succeeds', async () => {
    // Each connection answers its first request with keep-alive and drops the second one
    // unanswered: the race of a peer closing an idle connection as it gets reused.
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      let served = 0;
      socket.on('data', () => {
        served++;
        if (served === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
        else socket.destroy();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const upstreamPort = (server.address() as AddressInfo).port;
    const reused: boolean[] = [];
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
      connectedToUpstream: (_s, isReused) => void reused.push(isReused),
    });
    const bodies = await withProxy(proxy, async (port) => {
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await request(`http://127.0.0.1:${port}/${i}`);
        out.push(`${res.statusCode} ${await res.body.text()}`);
      }
      return out;
    });
    server.close();
    expect(bodies).toEqual(['200 first', '200 first', '200 first']);
    // Requests 2 and 3 first got the pooled connection, failed, and went again on a new one.
    expect(reused).toEqual([false, true, false, true, false]);
    expect(connections).toBe(3);
  });

  it('a streamed body that went out is not sent twice: the error is answered', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.once('data', () => socket.destroy()); // takes some of the body, then fails
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const upstreamPort = (server.address() as AddressInfo).port;
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }) },
      { retryBufferBytes: 1024 },
    );
    const status = await withProxy(proxy, async (port) => {
      const res = await request(`http://127.0.0.1:${port}/upload`, {
        method: 'PUT',
        body: Buffer.alloc(256 * 1024, 1),
      }).catch(() => undefined);
      await res?.body.dump();
      return res?.statusCode;
    });
    server.close();
    expect(status).toBe(502);
    expect(connections).toBe(1);
  });

  it('a small buffered body is sent again to the next peer after a failure', async () => {
    const flaky = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    const flakyPort = (flaky.address() as AddressInfo).port;
    const before = origin.seen.length;
    const proxy = new HttpProxy({
      upstreamPeer: (s) => ({ host: '127.0.0.1', port: s.retries === 0 ? flakyPort : origin.port }),
      errorWhileProxy: (_s, _p, e) => e.setRetry('always'),
    });
    const body = await withProxy(proxy, async (port) => {
      const res = await request(`http://127.0.0.1:${port}/again`, {
        method: 'POST',
        body: 'payload',
      });
      return `${res.statusCode} ${await res.body.text()}`;
    });
    flaky.close();
    expect(body).toBe('200 ok /again');
    expect(origin.seen.slice(before).map((r) => r.body)).toEqual(['payload']);
  });
});
