import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsmasq, type TestDns } from '../../../scripts/test-dnsmasq.mjs';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { closedPort, type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

const dir = mkdtempSync(join(tmpdir(), 'gateway-discovery-'));
let dns: TestDns;
let byDns: Origin;
let byFile: Origin;
let gw: GatewayUnderTest;
let dead: number;

beforeAll(async () => {
  byDns = await startOrigin('dns');
  byFile = await startOrigin('file');
  dead = await closedPort();
  dns = await startDnsmasq('gw.test', ['127.0.0.1 app.gw.test']);
  writeFileSync(join(dir, 'backends.yaml'), `backends:\n  - ${byFile.address}\n`);
  gw = await startGateway(
    `
listeners: [{ address: "127.0.0.1:0" }]
admin: { address: "127.0.0.1:0" }
upstreams:
  from-dns:
    discovery: { dns: { name: app.gw.test, type: A, port: ${byDns.port}, servers: ["127.0.0.1:${dns.port}"], interval_seconds: 1 } }
  from-file:
    discovery: { file: { path: backends.yaml, interval_seconds: 1 } }
  down:
    backends: ["127.0.0.1:${dead}"]
    health_check: { type: tcp, interval_seconds: 0.05, unhealthy_threshold: 1 }
routes:
  - name: dns
    match: { paths: ["/dns/**"] }
    upstream: from-dns
  - name: file
    match: { paths: ["/file/**"] }
    upstream: from-file
  - name: down
    match: { paths: ["/down"] }
    upstream: down
`,
    { baseDir: dir },
  );
});

afterAll(async () => {
  await gw.close();
  await Promise.all([byDns.close(), byFile.close(), dns.stop()]);
  rmSync(dir, { recursive: true, force: true });
  await checkLeaks();
});

async function get(url: string) {
  const res = await request(url);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Polls (bounded) until `check` passes. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  // Bounded: a first discovery that failed under load is retried after interval_seconds.
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `condition never held; gateway log:\n${gw.logs.map((l) => JSON.stringify(l)).join('\n')}`,
  );
}

describe('discovery', () => {
  it('finds backends through DNS (dnsmasq) and from a file', async () => {
    await eventually(async () => (await get(`${gw.url}/dns/x`)).status === 200);
    expect(JSON.parse((await get(`${gw.url}/dns/x`)).text).origin).toBe('dns');
    await eventually(async () => (await get(`${gw.url}/file/x`)).status === 200);
    expect(JSON.parse((await get(`${gw.url}/file/x`)).text).origin).toBe('file');
  });
});

describe('admin endpoints', () => {
  it('/healthz answers 200; /readyz 503 while a group has no healthy backend', async () => {
    const admin = gw.gateway.admin as string;
    expect((await get(`${admin}/healthz`)).status).toBe(200);
    await eventually(async () => (await get(`${admin}/readyz`)).status === 503);
    expect((await get(`${gw.url}/down`)).status).toBe(503);
    expect(gw.logs).toContainEqual(
      expect.objectContaining({
        msg: 'backend down',
        upstream: 'down',
        backend: `127.0.0.1:${dead}`,
      }),
    );
  });

  it('/status lists routes and upstreams with their health', async () => {
    const status = JSON.parse((await get(`${gw.gateway.admin}/status`)).text);
    expect(status.routes.map((r: { name: string }) => r.name)).toEqual(['dns', 'file', 'down']);
    expect(status.upstreams.down.backends).toEqual([
      { address: `127.0.0.1:${dead}`, weight: 1, isHealthy: false },
    ]);
    expect(status.upstreams['from-file'].backends[0]).toMatchObject({
      address: byFile.address,
      isHealthy: true,
    });
  });

  it('/metrics has requests by route and status, latency, upstream health and pool reuse', async () => {
    await get(`${gw.url}/file/a`);
    await get(`${gw.url}/file/b`);
    const text = (await get(`${gw.gateway.admin}/metrics`)).text;
    expect(text).toMatch(/gateway_requests_total\{route="file",method="GET",status="200"\} \d+/);
    expect(text).toMatch(/gateway_request_duration_seconds_bucket\{le="0\.1",route="file"\} \d+/);
    expect(text).toMatch(
      new RegExp(
        `gateway_upstream_backend_healthy\\{upstream="down",backend="127.0.0.1:${dead}"\\} 0`,
      ),
    );
    expect(text).toMatch(
      /gateway_upstream_connections_total\{upstream="from-file",reused="true"\} [1-9]/,
    );
    expect(text).toMatch(/gateway_requests_total\{route="down",method="GET",status="503"\} \d+/);
  });
});
