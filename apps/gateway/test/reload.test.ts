import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, loadConfigFile } from '../src/index.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

const dir = mkdtempSync(join(tmpdir(), 'gateway-reload-'));
const file = join(dir, 'gateway.yaml');
let a: Origin;
let b: Origin;
let gateway: Gateway;
let url: string;
const logs: Record<string, unknown>[] = [];

function config(version: string, upstream: Origin, extra = ''): string {
  return `listeners: [{ address: "127.0.0.1:0" }]
watch: true
upstreams:
  app: { backends: ["${upstream.address}"] }
routes:
  - match: { paths: ["/**"] }
    upstream: app
    response_headers: { set: { X-Config: "${version}" } }
${extra}`;
}

async function configHeader(): Promise<string | undefined> {
  const res = await request(`${url}/`);
  await res.body.text();
  return res.headers['x-config'] as string | undefined;
}

/** Polls (bounded) until the gateway answers with config `version`. */
async function waitForConfig(version: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await configHeader()) === version) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`config ${version} never applied`);
}

beforeAll(async () => {
  a = await startOrigin('a');
  b = await startOrigin('b');
  writeFileSync(file, config('v1', a));
  gateway = await Gateway.start({
    config: loadConfigFile(file),
    load: () => loadConfigFile(file),
    file,
    reusePort: false,
    logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) },
  });
  url = gateway.listeners[0]?.url as string;
});

afterAll(async () => {
  await gateway.close(1000);
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
  await checkLeaks();
});

describe('hot reload', () => {
  it('applies a changed file to new requests (file watch)', async () => {
    expect(await configHeader()).toBe('v1');
    writeFileSync(file, config('v2', b));
    await waitForConfig('v2');
    const res = await request(`${url}/x`);
    expect(JSON.parse(await res.body.text()).origin).toBe('b');
  });

  it('refuses an invalid config, logs where it is wrong, and keeps the running one', async () => {
    const rejectedBefore = logs.filter((l) =>
      l.msg?.toString().startsWith('configuration refused'),
    ).length;
    writeFileSync(file, config('v3', a, '    retries: many\n'));
    const result = await gateway.reload('test');
    expect(result.isApplied).toBe(false);
    const refused = logs.filter((l) => l.msg?.toString().startsWith('configuration refused'));
    expect(refused.length).toBeGreaterThan(rejectedBefore);
    expect(refused.at(-1)?.issues).toContainEqual(
      expect.objectContaining({ key: 'routes[0].retries', line: 9 }),
    );
    expect(await configHeader()).toBe('v2');
    expect(await gateway.metrics.render()).toMatch(
      /gateway_config_reloads_total\{result="rejected"\} [1-9]/,
    );
  });

  it('reloads three times under 10 s of load with no failed request', async () => {
    const run = new Promise<Result>((resolve, reject) => {
      autocannon(
        { url: `${url}/load`, connections: 10, duration: 10, timeout: 5 },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
    const versions = ['r1', 'r2', 'r3'];
    for (const [i, version] of versions.entries()) {
      await new Promise((r) => setTimeout(r, 2500));
      writeFileSync(file, config(version, i % 2 === 0 ? a : b));
      const result = await gateway.reload(`load ${version}`);
      expect(result.isApplied).toBe(true);
      expect(await configHeader()).toBe(version);
    }
    const result = await run;
    expect(result['2xx']).toBeGreaterThan(100);
    expect({
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      resets: result.resets,
    }).toEqual({
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      resets: 0,
    });
  });
});
