import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();
let slow: Origin;
let gw: GatewayUnderTest;

beforeAll(async () => {
  slow = await startOrigin('slow', (_req, res) => {
    setTimeout(() => res.end('finished'), 500);
  });
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
upstreams: { slow: { backends: ["${slow.address}"] } }
routes:
  - match: { paths: ["/**"] }
    upstream: slow
`);
});

afterAll(async () => {
  await slow.close();
  await checkLeaks();
});

describe('graceful shutdown', () => {
  it('lets a request in flight finish, then stops accepting', async () => {
    const url = gw.url;
    const inFlight = request(`${url}/slow`);
    // Wait until the origin has the request, so it is in flight through the gateway.
    for (let i = 0; i < 100 && slow.seen.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(slow.seen).toHaveLength(1);
    const closed = gw.gateway.close(5_000);
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('finished');
    await closed;
    await expect(request(`${url}/again`)).rejects.toThrow();
  });
});
