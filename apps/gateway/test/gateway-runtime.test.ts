import { describe, expect, it } from 'vitest';
import { GatewayRuntime, parseConfig } from '../src/index.js';

function config(limit: number, backends: string, extraRoute = '') {
  return parseConfig(
    `listeners: [{ address: "127.0.0.1:0" }]
upstreams:
  app: { backends: [${backends}] }
  other: { backends: ["127.0.0.1:2"] }
routes:
  - name: api
    match: { paths: ["/api/**"] }
    upstream: app
    rate_limit: { rate_per_second: ${limit}, burst: 2 }
    jwt: { secret: "s3cret" }
${extraRoute}`,
    'test.yaml',
    {},
  );
}

describe('GatewayRuntime on reload', () => {
  it('keeps groups, rate limiters and JWT verifiers whose settings did not change', async () => {
    const first = new GatewayRuntime(config(1, '"127.0.0.1:1"'), '/');
    const second = new GatewayRuntime(
      config(1, '"127.0.0.1:1"', '  - { match: { paths: ["/x"] }, upstream: other }'),
      '/',
      first,
    );
    expect(second.groups.get('app')).toBe(first.groups.get('app'));
    expect(second.routes[0]?.rateLimiter).toBe(first.routes[0]?.rateLimiter);
    expect(second.routes[0]?.jwt).toBe(first.routes[0]?.jwt);
    // A changed limit or backend list builds new ones.
    const third = new GatewayRuntime(config(5, '"127.0.0.1:3"'), '/', second);
    expect(third.groups.get('app')).not.toBe(second.groups.get('app'));
    expect(third.groups.get('other')).toBe(second.groups.get('other'));
    expect(third.routes[0]?.rateLimiter).not.toBe(second.routes[0]?.rateLimiter);
    expect(third.routes[0]?.jwt).toBe(second.routes[0]?.jwt);
    third.start();
    // Stopping the replaced runtime leaves the groups the new one took over running.
    await second.stop(third);
    expect(third.groups.get('other')?.balancer.isRunning).toBe(true);
    await third.stop();
    expect(third.groups.get('other')?.balancer.isRunning).toBe(false);
  });

  it('a rate-limited client stays limited across a reload that keeps the limit', () => {
    const first = new GatewayRuntime(config(0.001, '"127.0.0.1:1"'), '/');
    const limiter = first.routes[0]?.rateLimiter;
    expect([1, 2, 3].map(() => limiter?.check('client').isAllowed)).toEqual([true, true, false]);
    const second = new GatewayRuntime(config(0.001, '"127.0.0.1:1"'), '/', first);
    expect(second.routes[0]?.rateLimiter?.check('client').isAllowed).toBe(false);
  });
});
