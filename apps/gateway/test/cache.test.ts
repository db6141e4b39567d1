import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();
let origin: Origin;
let gw: GatewayUnderTest;

beforeAll(async () => {
  origin = await startOrigin('o', (req, res) => {
    const headers: Record<string, string> = {
      'Content-Type': 'text/plain',
      Date: new Date().toUTCString(),
    };
    if (req.url?.startsWith('/fresh/')) headers['Cache-Control'] = 'public, max-age=60';
    res.writeHead(200, headers);
    res.end(`body of ${req.url}`);
  });
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
cache: { max_bytes: 1048576 }
upstreams: { o: { backends: ["${origin.address}"] } }
routes:
  - name: fresh
    match: { paths: ["/fresh/**"] }
    upstream: o
    cache: { enabled: true }
  - name: silent
    match: { paths: ["/silent/**"] }
    upstream: o
    cache: { enabled: true, default_ttl_seconds: 30 }
  - name: uncached
    match: { paths: ["/**"] }
    upstream: o
`);
});

afterAll(async () => {
  await gw.close();
  await origin.close();
  await checkLeaks();
});

async function get(path: string) {
  const res = await request(`${gw.url}${path}`);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const hits = (url: string) => origin.seen.filter((s) => s.url === url).length;

describe('route cache policy (@pingora-ts/cache through the proxy)', () => {
  it('serves the second request from the cache when the origin allows it', async () => {
    const first = await get('/fresh/a.css');
    const second = await get('/fresh/a.css');
    expect([first.text, second.text]).toEqual(['body of /fresh/a.css', 'body of /fresh/a.css']);
    expect(hits('/fresh/a.css')).toBe(1);
    expect(String(second.headers['cache-status'])).toMatch(/hit/);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('default_ttl_seconds caches what the origin says nothing about, without telling the client', async () => {
    const first = await get('/silent/b');
    const second = await get('/silent/b');
    expect(hits('/silent/b')).toBe(1);
    expect(first.headers['cache-control']).toBeUndefined();
    expect(second.headers['cache-control']).toBeUndefined();
    expect(second.headers['x-pingora-default-ttl']).toBeUndefined();
    expect(String(second.headers['cache-status'])).toMatch(/hit/);
  });

  it('leaves routes without a cache policy alone, and counts hits and misses', async () => {
    await get('/other');
    await get('/other');
    expect(hits('/other')).toBe(2);
    const metrics = await gw.gateway.metrics.render();
    expect(metrics).toMatch(/gateway_cache_requests_total\{route="fresh",result="hit"\} 1/);
    expect(metrics).toMatch(/gateway_cache_requests_total\{route="fresh",result="miss"\} 1/);
    const line = gw.logs.find((l) => l.path === '/fresh/a.css' && l.cache === 'hit');
    expect(line).toBeDefined();
  });
});
