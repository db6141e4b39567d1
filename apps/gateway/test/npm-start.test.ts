import { readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  APP_DIR,
  type CliProcess,
  freePort,
  isPortFree,
  killAll,
  startCli,
} from './helpers/cli-process.js';
import { trackHandles } from './helpers/leak-check.js';

const checkLeaks = trackHandles();

// What a new user gets from `npm start` (the root script runs `node <flags>
// apps/gateway/dist/cli.js serve`): the embedded demo answering on HTTP and HTTPS within 60 s,
// started with the node flags of that script as written.
const startApp = (
  JSON.parse(readFileSync(join(APP_DIR, '..', '..', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts['start:app'] as string;
const startFlags = startApp.split(/\s+/).filter((word) => word.startsWith('--'));
const certDir = join(tmpdir(), `gateway-npm-start-cert-${process.pid}`);
afterAll(async () => {
  await killAll();
  rmSync(certDir, { recursive: true, force: true });
  await checkLeaks();
});

async function checkDemo(
  cli: CliProcess,
  http: number,
  https: number,
  admin: number,
): Promise<void> {
  await cli.waitFor(/Ctrl-C stops gracefully/, 60_000);
  const banner = cli.output();
  expect(banner).toContain(`http://127.0.0.1:${http}/`);
  expect(banner).toContain(`https://localhost:${https}/`);
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const res = await request(`http://127.0.0.1:${http}/`);
    expect(res.statusCode).toBe(200);
    seen.add(String(res.headers['x-demo-upstream']));
    await res.body.text();
  }
  // Two demo upstreams behind round robin.
  expect([...seen].sort()).toEqual(['demo-1', 'demo-2']);
  const caFile = /--cacert (\S+)/.exec(banner)?.[1] as string;
  const tls = new Agent({ connect: { ca: readFileSync(caFile), servername: 'localhost' } });
  const secure = await request(`https://localhost:${https}/static/app.css`, { dispatcher: tls });
  expect(secure.statusCode).toBe(200);
  expect(await secure.body.text()).toContain('font-family');
  // The demo's /static route is cached: the same asset again is a hit.
  const again = await request(`https://localhost:${https}/static/app.css`, { dispatcher: tls });
  await again.body.text();
  expect(String(again.headers['cache-status'])).toMatch(/hit/);
  await tls.close();
  // The API route wants the token printed in the banner.
  const token = /TOKEN=(\S+)/.exec(banner)?.[1] as string;
  const denied = await request(`http://127.0.0.1:${http}/api/hello`);
  await denied.body.text();
  expect(denied.statusCode).toBe(401);
  const api = await request(`http://127.0.0.1:${http}/api/hello`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(JSON.parse(await api.body.text())).toMatchObject({ user: 'demo-user' });
  // WebSocket echo and the SSE clock.
  const ws = new WebSocket(`ws://127.0.0.1:${http}/ws`);
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('ping?'));
    ws.on('message', (d: Buffer) => resolve(d.toString()));
    ws.on('error', reject);
  });
  expect(echoed).toBe('ping?');
  ws.terminate();
  const sse = await request(`http://127.0.0.1:${http}/events`);
  for await (const chunk of sse.body) {
    expect(chunk.toString()).toMatch(/^event: tick\ndata: /);
    break;
  }
  sse.body.destroy();
  const metrics = await request(`http://127.0.0.1:${admin}/metrics`);
  expect(await metrics.body.text()).toContain('gateway_requests_total{route="site"');
  cli.child.kill('SIGTERM');
  expect(await cli.exited).toBe(0);
}

describe('npm start (pingora-ts serve without a config)', () => {
  it('answers on the ports given by PORT, HTTPS_PORT and ADMIN_PORT', async () => {
    const [http, https, admin] = [await freePort(), await freePort(), await freePort()];
    const cli = startCli(
      ['serve'],
      {
        PORT: String(http),
        HTTPS_PORT: String(https),
        ADMIN_PORT: String(admin),
        PINGORA_TS_DEV_CERT_DIR: certDir,
      },
      APP_DIR,
      startFlags,
    );
    await checkDemo(cli, http, https, admin);
  });

  it('exits 1 with a hint when a port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const [https, admin] = [await freePort(), await freePort()];
    const cli = startCli(['serve'], {
      PORT: String(port),
      HTTPS_PORT: String(https),
      ADMIN_PORT: String(admin),
      PINGORA_TS_DEV_CERT_DIR: certDir,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain(`EADDRINUSE`);
    expect(cli.output()).toContain('move it with PORT, HTTPS_PORT, ADMIN_PORT');
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  });

  it('answers on the default ports 8080, 8443 and 9090', async () => {
    // This check needs the default ports: wait (bounded) for anything else on them to go.
    for (let i = 0; i < 60; i++) {
      if ((await isPortFree(8080)) && (await isPortFree(8443)) && (await isPortFree(9090))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const env: Record<string, string> = { PINGORA_TS_DEV_CERT_DIR: certDir };
    for (const name of ['PORT', 'HTTPS_PORT', 'ADMIN_PORT', 'HOST']) env[name] = '';
    const cli = startCli(['serve'], env);
    await checkDemo(cli, 8080, 8443, 9090);
  });
});
