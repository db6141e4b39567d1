import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';
import { freePort, killAll, runCli, startCli } from './helpers/cli-process.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

const dir = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
let origin: Origin;

beforeAll(async () => {
  origin = await startOrigin('o');
});

afterAll(async () => {
  await killAll();
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
  await checkLeaks();
});

function configText(port: number, adminPort: number, version: string, extra = ''): string {
  return `listeners: [{ address: "127.0.0.1:${port}" }]
admin: { address: "127.0.0.1:${adminPort}" }
watch: false
pid_file: ${join(dir, 'gateway.pid')}
logging: { format: json }
upstreams:
  app: { backends: ["${origin.address}"] }
routes:
  - match: { paths: ["/**"] }
    upstream: app
    response_headers: { set: { X-Config: "${version}" } }
${extra}`;
}

describe('pingora-ts CLI', () => {
  it('version and --help', () => {
    expect(runCli(['version']).stdout).toBe(`pingora-ts ${VERSION} (Node ${process.version})\n`);
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    for (const word of [
      'serve',
      'test -c FILE',
      'cert create',
      '--daemon',
      '--upgrade',
      'SIGHUP',
    ]) {
      expect(help.stdout).toContain(word);
    }
    const bad = runCli(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
    expect(runCli(['serve', '--bogus']).code).toBe(2);
  });

  it('test -c: ok for a valid file, file:line:column: key: message for each problem', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, configText(8080, 9090, 'v1'));
    expect(runCli(['test', '-c', good])).toMatchObject({
      code: 0,
      stdout: `${good}: ok (1 routes, 1 upstreams)\n`,
    });
    expect(runCli(['-t', '-c', good]).code).toBe(0);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, configText(8080, 9090, 'v1', '    retries: lots\n    colour: blue\n'));
    const result = runCli(['test', '-c', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${bad}:12:14: routes[0].retries: Invalid input: expected number, received string`,
      `${bad}:13:5: routes[0].colour: unknown key "colour"`,
    ]);
    const syntax = join(dir, 'syntax.yaml');
    writeFileSync(syntax, 'listeners: [\n');
    expect(runCli(['test', '-c', syntax]).stderr).toMatch(new RegExp(`^${syntax}:\\d+:\\d+: `));
  });

  it('cert create writes a development CA and certificate', () => {
    const out = join(dir, 'certs');
    expect(runCli(['cert', 'create', '--out', out, '--dns', 'localhost']).code).toBe(0);
    expect(['ca.pem', 'cert.pem', 'key.pem'].every((f) => existsSync(join(out, f)))).toBe(true);
  });

  it('serve -c: refuses to start on an invalid file, naming where', async () => {
    const bad = join(dir, 'bad-serve.yaml');
    writeFileSync(bad, 'listeners: []\nroutes: []\n');
    const cli = startCli(['serve', '-c', bad]);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain(`${bad}:1:12: listeners: `);
  });

  it('serve -c: SIGHUP reloads, an invalid file is refused, SIGTERM stops gracefully', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = join(dir, 'serve.yaml');
    writeFileSync(file, configText(port, adminPort, 'v1'));
    const cli = startCli(['serve', '-c', file]);
    await cli.waitFor(/Ctrl-C stops gracefully/);
    const header = async () => {
      const res = await request(`http://127.0.0.1:${port}/`);
      await res.body.text();
      return res.headers['x-config'];
    };
    expect(await header()).toBe('v1');
    writeFileSync(file, configText(port, adminPort, 'v2'));
    cli.child.kill('SIGHUP');
    await cli.waitFor(/configuration reloaded/);
    expect(await header()).toBe('v2');
    writeFileSync(file, configText(port, adminPort, 'v3', '    retries: -1\n'));
    cli.child.kill('SIGHUP');
    const refused = await cli.waitFor(/.*configuration refused.*/);
    expect(refused[0]).toContain('"key":"routes[0].retries","line":12');
    expect(await header()).toBe('v2');
    expect(existsSync(join(dir, 'gateway.pid'))).toBe(true);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(existsSync(join(dir, 'gateway.pid'))).toBe(false);
  });

  it('serve -u: a new gateway binds beside the running one, which then drains and exits', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = join(dir, 'upgrade.yaml');
    writeFileSync(file, configText(port, adminPort, 'old'));
    const old = startCli(['serve', '-c', file]);
    await old.waitFor(/Ctrl-C stops gracefully/);
    writeFileSync(file, configText(port, adminPort, 'new'));
    const next = startCli(['serve', '-u', '-c', file]);
    await next.waitFor(/Ctrl-C stops gracefully/);
    expect(await old.exited).toBe(0);
    const res = await request(`http://127.0.0.1:${port}/`);
    await res.body.text();
    expect(res.headers['x-config']).toBe('new');
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
  it('serve -d: detaches, writes its pid file and error_log, serves until SIGTERM by that pid', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = join(dir, 'daemon.yaml');
    const pidFile = join(dir, 'gateway.pid');
    const errorLog = join(dir, 'daemon.log');
    writeFileSync(file, `${configText(port, adminPort, 'daemon')}error_log: ${errorLog}\n`);
    const parent = runCli(['serve', '-d', '-c', file]);
    expect(parent.code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(parent.stdout)?.[1]);
    try {
      let answered = false;
      for (let i = 0; i < 200 && !answered; i++) {
        try {
          const res = await request(`http://127.0.0.1:${port}/`);
          await res.body.text();
          answered = res.headers['x-config'] === 'daemon';
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      expect(answered).toBe(true);
      expect(Number(readFileSync(pidFile, 'utf8'))).toBe(pid);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
    for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
    expect(readFileSync(errorLog, 'utf8')).toContain('Ctrl-C stops gracefully');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
