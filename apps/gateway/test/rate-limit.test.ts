import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/index.js';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

describe('RateLimiter', () => {
  it('token bucket: burst at once, then 429 with the wait until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter('api', { rate_per_second: 2, burst: 3 }, () => now);
    const verdicts = [1, 2, 3, 4].map(() => limiter.check('k'));
    expect(verdicts.map((v) => v.isAllowed)).toEqual([true, true, true, false]);
    expect(verdicts[0]?.headers).toEqual({
      RateLimit: '"api";r=2;t=1',
      'RateLimit-Policy': '"api";q=3;w=2',
    });
    expect(verdicts[3]).toMatchObject({
      retryAfterSeconds: 1,
      headers: { RateLimit: '"api";r=0;t=1' },
    });
    now = 500; // one token back after 500 ms at 2/s
    expect(limiter.check('k').isAllowed).toBe(true);
    expect(limiter.check('other').isAllowed).toBe(true);
  });

  it('sliding window: limit per window; rejected requests do not count', () => {
    let now = 0;
    const limiter = new RateLimiter(
      'w',
      { algorithm: 'sliding-window', limit: 2, window_seconds: 10 },
      () => now,
    );
    expect([1, 2, 3].map(() => limiter.check('k').isAllowed)).toEqual([true, true, false]);
    now = 15_000; // half of the previous window still weighs: 2 * 0.5 = 1 -> room for one
    expect(limiter.check('k').isAllowed).toBe(true);
    expect(limiter.check('k').isAllowed).toBe(false);
    now = 30_000;
    expect(limiter.check('k').isAllowed).toBe(true);
  });
});

describe('rate limiting end to end', () => {
  let origin: Origin;
  let gw: GatewayUnderTest;
  beforeAll(async () => {
    origin = await startOrigin('o');
    gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
upstreams: { o: { backends: ["${origin.address}"] } }
routes:
  - name: by-ip
    match: { paths: ["/ip"] }
    upstream: o
    rate_limit: { key: ip, rate_per_second: 0.5, burst: 2 }
  - name: by-key
    match: { paths: ["/key"] }
    upstream: o
    rate_limit: { key: "header:X-Api-Key", algorithm: sliding-window, limit: 1, window_seconds: 60 }
`);
  });
  afterAll(async () => {
    await gw.close();
    await origin.close();
    await checkLeaks();
  });

  it('answers 429 with Retry-After and RateLimit fields, without reaching the upstream', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < 3; i++) {
      last = await request(`${gw.url}/ip`);
      await last.body.text();
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.headers['retry-after']).toBe('2');
    expect(last?.headers['ratelimit-policy']).toBe('"by-ip";q=2;w=4');
    expect(last?.headers.ratelimit).toBe('"by-ip";r=0;t=2');
    expect(origin.seen.filter((s) => s.url === '/ip')).toHaveLength(2);
    const metrics = await gw.gateway.metrics.render();
    expect(metrics).toMatch(/gateway_rate_limited_total\{route="by-ip"\} 1/);
  });

  it('keys by a header: each key has its own quota', async () => {
    const send = async (key: string) => {
      const res = await request(`${gw.url}/key`, { headers: { 'X-Api-Key': key } });
      await res.body.text();
      return res.statusCode;
    };
    expect([await send('a'), await send('a'), await send('b')]).toEqual([200, 429, 200]);
  });
});
