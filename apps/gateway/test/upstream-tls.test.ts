import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../src/index.js';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';

const checkLeaks = trackHandles();
const dir = mkdtempSync(join(tmpdir(), 'gateway-upstream-tls-'));
let origin: ReturnType<typeof createServer>;
let gw: GatewayUnderTest;
const seen: string[] = [];

beforeAll(async () => {
  const cert = ensureDevCertificate(dir);
  origin = createServer(
    { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
    (req, res) => {
      seen.push(req.url ?? '');
      res.end(`secure ${req.url} sni=${(req.socket as { servername?: string }).servername ?? '-'}`);
    },
  );
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const port = (origin.address() as AddressInfo).port;
  gw = await startGateway(
    `
listeners: [{ address: "127.0.0.1:0" }]
upstreams:
  trusted:
    backends: ["127.0.0.1:${port}"]
    tls: { sni: localhost, ca_file: ca.pem }
    health_check: { type: http, path: /health, interval_seconds: 0.1, unhealthy_threshold: 1 }
  untrusted:
    backends: ["127.0.0.1:${port}"]
    tls: { sni: localhost }
  unverified:
    backends: ["127.0.0.1:${port}"]
    tls: { verify: false }
routes:
  - { match: { paths: ["/trusted"] }, upstream: trusted }
  - { match: { paths: ["/untrusted"] }, upstream: untrusted, retries: 0 }
  - { match: { paths: ["/unverified"] }, upstream: unverified }
`,
    { baseDir: dir },
  );
});

afterAll(async () => {
  await gw.close();
  origin.closeAllConnections();
  await new Promise<void>((resolve) => origin.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  await checkLeaks();
});

async function get(path: string) {
  const res = await request(`${gw.url}${path}`);
  return { status: res.statusCode, text: await res.body.text() };
}

describe('HTTPS upstreams', () => {
  it('verifies the upstream certificate against ca_file, with the configured SNI', async () => {
    expect(await get('/trusted')).toEqual({ status: 200, text: 'secure /trusted sni=localhost' });
    // The HTTP health check speaks TLS too: its probes arrive and the backend stays healthy.
    for (let i = 0; i < 100 && seen.filter((u) => u === '/health').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.filter((u) => u === '/health').length).toBeGreaterThanOrEqual(2);
    expect(gw.gateway.current().groups.get('trusted')?.status()[0]?.isHealthy).toBe(true);
  });

  it('refuses an upstream whose certificate it cannot verify (502); verify: false skips the check', async () => {
    expect((await get('/untrusted')).status).toBe(502);
    expect(await get('/unverified')).toMatchObject({ status: 200 });
  });
});
