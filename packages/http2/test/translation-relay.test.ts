import type { HttpPeer } from '@pingora-ts/http-client';
import { HttpServer, type HttpSession } from '@pingora-ts/http-server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  H2Connector,
  type H2Peer,
  H2Server,
  type H2Session,
  withoutHopByHop,
} from '../src/index.js';
import { run } from './peers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * One forwarding function for both downstream protocols: HttpSession and H2Session have the
 * same members, so the proxy's phases can run unchanged on either.
 */
async function forward(
  s: HttpSession | H2Session,
  connector: H2Connector,
  peer: H2Peer,
): Promise<void> {
  const res = await connector.request(peer, {
    method: s.request.method,
    path: s.request.rawTarget,
    headers: withoutHopByHop(s.request.headers),
    ...(s.isBodyDone ? {} : { body: s.body() }),
  });
  await s.writeHead(res.status, withoutHopByHop(res.head.headers), res.head.reason);
  for await (const chunk of res.body) await s.write(chunk);
  const trailers = await res.trailers;
  if (trailers.size > 0 && 'writeTrailers' in s) await s.writeTrailers(trailers);
  else await s.end();
}

/** Says what the origin saw, whichever protocol it speaks. */
async function describeRequest(s: HttpSession | H2Session): Promise<void> {
  let n = 0;
  for await (const chunk of s.body()) n += chunk.length;
  const h = s.request.headers;
  const seen = [
    'protocol' in s ? s.protocol : 'http/1.1',
    s.request.method,
    s.request.rawTarget,
    `host=${h.get('host')}`,
    `x-hop=${h.get('x-hop') ?? '-'}`,
    `connection=${h.get('connection') ?? '-'}`,
    `te=${h.get('te') ?? '-'}`,
    `body=${n}`,
  ].join(' ');
  await s.writeHead(200, { 'content-type': 'text/plain', 'keep-alive': 'timeout=5' });
  await s.write(Buffer.from(seen));
  await s.end();
}

function connector(): H2Connector {
  const c = new H2Connector();
  cleanups.push(() => c.close());
  return c;
}

describe('translation through a relay (RFC 9113 section 8)', () => {
  it('HTTP/2 client to HTTP/1.1 origin: :authority becomes Host, te: trailers kept', async () => {
    const origin = new HttpServer({ handler: describeRequest });
    const { port: originPort } = await origin.listen(0, '127.0.0.1');
    const c = connector();
    const peer: HttpPeer & H2Peer = { host: '127.0.0.1', port: originPort, protocol: 'h1' };
    const front = new H2Server({ handler: (s) => forward(s, c, peer) });
    const { port } = await front.listen(0, '127.0.0.1');
    cleanups.push(async () => {
      await front.close();
      await origin.close();
    });
    const r = await run('curl', [
      '-sS',
      '--http2-prior-knowledge',
      '-d',
      'hello',
      '-H',
      'te: trailers',
      '-D',
      '-',
      `http://127.0.0.1:${port}/up?x=1`,
    ]);
    expect(r.stdout).toMatch(/^HTTP\/2 200/);
    expect(r.stdout.toLowerCase()).not.toContain('keep-alive');
    expect(r.stdout).toContain(
      `http/1.1 POST /up?x=1 host=127.0.0.1:${port} x-hop=- connection=- te=trailers body=5`,
    );
  });

  it('HTTP/1.1 client to HTTP/2 origin: Host becomes :authority, Connection-listed fields never leave', async () => {
    const origin = new H2Server({ handler: describeRequest });
    const { port: originPort } = await origin.listen(0, '127.0.0.1');
    const c = connector();
    const peer: H2Peer = { host: '127.0.0.1', port: originPort, protocol: 'h2' };
    const front = new HttpServer({ handler: (s) => forward(s, c, peer) });
    const { port } = await front.listen(0, '127.0.0.1');
    cleanups.push(async () => {
      await front.close();
      await origin.close();
    });
    const r = await run('curl', [
      '-sS',
      '--http1.1',
      '-H',
      'Connection: keep-alive, X-Hop',
      '-H',
      'X-Hop: secret',
      '-H',
      'Host: front.example',
      '-D',
      '-',
      `http://127.0.0.1:${port}/down`,
    ]);
    expect(r.stdout).toMatch(/^HTTP\/1.1 200/);
    expect(r.stdout).toContain('h2 GET /down host=front.example x-hop=- connection=- te=- body=0');
    const load = await run('h2load', ['-n', '300', '-c', '3', '--h1', `http://127.0.0.1:${port}/`]);
    expect(load.stdout).toMatch(/300 succeeded, 0 failed/);
    expect(c.stats().connections).toBe(1);
  });
});
