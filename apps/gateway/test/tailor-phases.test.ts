import { describe, expect, it } from 'vitest';
import {
  GatewayMetrics,
  GatewayRuntime,
  gatewayPhases,
  parseConfig,
  tailorPhases,
} from '../src/index.js';

function runtime(extra: string): GatewayRuntime {
  return new GatewayRuntime(
    parseConfig(
      `listeners: [{ address: "127.0.0.1:0" }]
routes:
  - match: { paths: ["/a"] }
    respond: { status: 200 }
${extra}`,
      'test.yaml',
      {},
    ),
    '/',
  );
}

describe('tailorPhases', () => {
  it('keeps only the optional phases the routes need, and follows a reload', () => {
    let current = runtime('');
    const all = gatewayPhases({
      current: () => current,
      metrics: new GatewayMetrics(),
      accessLog: undefined,
    });
    const phases = { ...all };
    tailorPhases(phases, all, current);
    expect([
      phases.requestBodyFilter,
      phases.requestCacheFilter,
      phases.responseBodyFilter,
    ]).toEqual([undefined, undefined, undefined]);
    current = runtime(`  - match: { paths: ["/b"] }
    respond: { status: 200 }
    max_body_bytes: 10
    cache: { enabled: true, default_ttl_seconds: 5 }
    websocket: { max_message_bytes: 100 }
    sse: { keepalive_seconds: 5 }
`);
    tailorPhases(phases, all, current);
    expect(phases.requestBodyFilter).toBe(all.requestBodyFilter);
    expect(phases.requestCacheFilter).toBe(all.requestCacheFilter);
    expect(phases.responseBodyFilter).toBe(all.responseBodyFilter);
    expect(phases.cacheKeyCallback).toBe(all.cacheKeyCallback);
    expect(phases.upstreamResponseFilter).toBe(all.upstreamResponseFilter);
    expect(phases.webSocketMessageFilter).toBe(all.webSocketMessageFilter);
    tailorPhases(phases, all, runtime(''));
    expect('responseBodyFilter' in phases).toBe(false);
  });
});
