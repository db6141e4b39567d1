import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CliProcess,
  cleanUp,
  freePort,
  HTTP_APP,
  isAlive,
  scratchDir,
  sleep,
  writeConfig,
} from './cli-harness.js';

afterEach(cleanUp);

/** autocannon for `seconds`; resolves its result and the error codes it met. */
function load(url: string, seconds: number): Promise<Result & { errorCodes: string[] }> {
  const errorCodes: string[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections: 10, duration: seconds, timeout: 5 },
      (error, result) => (error ? reject(error) : resolve({ ...result, errorCodes })),
    );
    instance.on('reqError', (error: Error & { code?: string }) => {
      errorCodes.push(`${error.code ?? ''} ${error.message} at ${new Date().toISOString()}`);
    });
  });
}

/** Requests over a Unix socket, one after another on fresh connections, until `until` resolves. */
async function unixLoop(
  socketPath: string,
  until: Promise<unknown>,
): Promise<{ ok: number; failed: number }> {
  let isDone = false;
  void until.then(() => {
    isDone = true;
  });
  const agent = new Agent({ connect: { socketPath } });
  let ok = 0;
  let failed = 0;
  while (!isDone) {
    try {
      const res = await request('http://localhost/', { dispatcher: agent, reset: true });
      if (res.statusCode === 200 && (await res.body.text()) === 'ok') ok++;
      else failed++;
    } catch {
      failed++;
    }
  }
  await agent.close();
  return { ok, failed };
}

function config(dir: string, port: number): string {
  return writeConfig(
    dir,
    `workers: 2
grace_period_seconds: 5
services:
  - name: web
    app: ${HTTP_APP}
    listeners:
      - address: 127.0.0.1:${port}
      - path: ${join(dir, 'web.sock')}
`,
  );
}

describe('zero-downtime upgrade under load', () => {
  it('SIGHUP restarts the workers during 10 s of autocannon: no failed or reset request', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const cli = new CliProcess(['-c', config(dir, port)]);
    const first = await cli.workerPids();
    const running = load(`http://127.0.0.1:${port}/`, 10);
    const unix = unixLoop(join(dir, 'web.sock'), running);
    await sleep(3000);
    cli.child.kill('SIGHUP');
    await cli.waitFor(/restarted: generation 2/);
    await sleep(3000);
    cli.child.kill('SIGHUP');
    await cli.waitFor(/restarted: generation 3/);
    const result = await running;
    const overUnix = await unix;
    console.log(
      `SIGHUP x2 under load: ${result.requests.total} requests over TCP, ${overUnix.ok} over Unix; errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, unix failures ${overUnix.failed} ${result.errorCodes.join('; ')}`,
    );
    expect(result.requests.total).toBeGreaterThan(1000);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(overUnix.ok).toBeGreaterThan(50);
    expect(overUnix.failed).toBe(0);
    const last = await cli.workerPids();
    expect(last.some((p) => first.includes(p))).toBe(false);
    for (let i = 0; i < 200 && first.some(isAlive); i++) await sleep(25);
    expect(first.some(isAlive)).toBe(false);
    expect(isAlive(cli.child.pid ?? 0)).toBe(true);
  });

  it('--upgrade: a new master takes over, the old one drains and exits 0; no failed request', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const file = config(dir, port);
    const old = new CliProcess(['-c', file]);
    await old.workerPids();
    const running = load(`http://127.0.0.1:${port}/`, 5);
    const unix = unixLoop(join(dir, 'web.sock'), running);
    await sleep(2000);
    const fresh = new CliProcess(['-u', '-c', file]);
    await fresh.waitFor(/took over from the old master/);
    expect((await old.exited).code).toBe(0);
    const result = await running;
    const overUnix = await unix;
    console.log(
      `--upgrade under load: ${result.requests.total} requests over TCP, ${overUnix.ok} over Unix; errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, unix failures ${overUnix.failed} ${result.errorCodes.join('; ')}`,
    );
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(overUnix.failed).toBe(0);
    expect(readFileSync(join(dir, 'server.pid'), 'utf8')).toBe(`${fresh.child.pid}\n`);
    expect(old.output).toContain('a new master takes over: draining');
    // The new master now owns the upgrade socket: a plain start is refused.
    const third = new CliProcess(['-c', file]);
    expect((await third.exited).code).toBe(1);
    expect(third.output).toContain('start with --upgrade to take over');
  });
});
