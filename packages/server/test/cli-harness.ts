import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Real processes for the CLI tests: the built CLI, a scratch directory per test, free ports on
// 127.0.0.1, and a registry of every process started so that afterEach can kill them by pid.

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = join(here, '..', 'dist', 'cli.js');
export const HTTP_APP = join(here, 'fixtures', 'http-app.mjs');

const started = new Set<number>();
const processes = new Set<CliProcess>();

/** A scratch directory (removed by {@link cleanUp}). */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pingora-server-'));
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Writes `server.yaml` into `dir` with the test app and sensible test timings. */
export function writeConfig(dir: string, body: string): string {
  const file = join(dir, 'server.yaml');
  writeFileSync(
    file,
    `pid_file: ${join(dir, 'server.pid')}\nupgrade_sock: ${join(dir, 'upgrade.sock')}\n${body}`,
  );
  return file;
}

/** A running CLI process with its output collected. */
export class CliProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    processes.add(this);
    if (this.child.pid !== undefined) started.add(this.child.pid);
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        if (this.child.pid !== undefined) started.delete(this.child.pid);
        resolve({ code, signal });
      });
    });
  }

  /** Resolves with the first match of `pattern` in the output (polls, bounded). */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${pattern} in output:\n${this.output}`);
      }
      await sleep(20);
    }
  }

  /** Worker pids of the last "ready:" or "restarted:" line. */
  async workerPids(): Promise<number[]> {
    await this.waitFor(/(?:ready|restarted): .*?\[([\d, ]+)\]/);
    const all = [...this.output.matchAll(/(?:ready|restarted): .*?\[([\d, ]+)\]/g)];
    return (all.at(-1)?.[1] ?? '').split(', ').map(Number);
  }
}

/** Registers a pid started some other way (a daemon) for {@link cleanUp}. */
export function track(pid: number): void {
  started.add(pid);
}

/** Every pid the master of `output` logged for its workers. */
function workerPidsIn(output: string): number[] {
  const pids: number[] = [];
  for (const m of output.matchAll(/(?:ready|restarted): .*?\[([\d, ]+)\]|replaced: pid (\d+)/g)) {
    pids.push(...(m[1] ?? m[2] ?? '').split(', ').map(Number));
  }
  return pids;
}

/** Kills every process still running (by pid) and removes the scratch directories. */
export async function cleanUp(): Promise<void> {
  for (const p of processes) for (const pid of workerPidsIn(p.output)) started.add(pid);
  processes.clear();
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  started.clear();
  // Workers notice their master's death on the IPC channel and leave; give them a moment.
  await sleep(50);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** True while a process with `pid` exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A throw-away self-signed certificate for 127.0.0.1 in `dir` (openssl is a test peer). */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
