import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();
const TEXT = 'the quick brown fox jumps over the lazy dog\n'.repeat(100);
let origin: Origin;
let gw: GatewayUnderTest;

beforeAll(async () => {
  origin = await startOrigin('text', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(TEXT) });
    res.end(TEXT);
  });
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
upstreams: { o: { backends: ["${origin.address}"] } }
routes:
  - { name: on, match: { paths: ["/on"] }, upstream: o }
  - { name: off, match: { paths: ["/off"] }, upstream: o, compression: false }
`);
});

afterAll(async () => {
  await gw.close();
  await origin.close();
  await checkLeaks();
});

describe('compression per route', () => {
  it('compresses text for a client that accepts gzip, unless the route turns it off', async () => {
    const on = await request(`${gw.url}/on`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(on.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(Buffer.from(await on.body.arrayBuffer())).toString()).toBe(TEXT);
    const off = await request(`${gw.url}/off`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(off.headers['content-encoding']).toBeUndefined();
    expect(await off.body.text()).toBe(TEXT);
    // The upstream still learns what the client accepts.
    expect(origin.seen.at(-1)?.headers['accept-encoding']).toBe('gzip');
  });
});
