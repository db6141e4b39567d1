import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../src/observability/gateway-metrics.js';

describe('GatewayMetrics', () => {
  it('counts requests across scrapes: what came between two scrapes adds to the total', async () => {
    const metrics = new GatewayMetrics();
    for (let i = 0; i < 3; i++) metrics.recordRequest('api', 'GET', 200, 0.002);
    metrics.recordRequest('api', 'BREW', 418, 0.001);
    let text = await metrics.render();
    expect(text).toMatch(/gateway_requests_total\{route="api",method="GET",status="200"\} 3\n/);
    expect(text).toMatch(/gateway_requests_total\{route="api",method="OTHER",status="418"\} 1\n/);
    for (let i = 0; i < 2; i++) metrics.recordRequest('api', 'GET', 200, 0.002);
    text = await metrics.render();
    expect(text).toMatch(/gateway_requests_total\{route="api",method="GET",status="200"\} 5\n/);
    expect(text).toMatch(/gateway_requests_total\{route="api",method="OTHER",status="418"\} 1\n/);
    expect(text).toMatch(/gateway_request_duration_seconds_count\{route="api"\} 6\n/);
  });
});
