// Starts a real nginx (the Debian package) with its own prefix directory and config on a free
// 127.0.0.1 port, and stops it by pid. The test suite fails, not skips, without nginx.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary, or a clear error saying how to get one. */
export function findNginx(candidates: readonly string[] = CANDIDATES): string {
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      'nginx is not installed: this test compares the ring with a real nginx. Install the Debian ' +
        'package (apt-get install nginx-light, as .ci/run does in CI) and run the tests again.',
    );
  }
  return found;
}

export interface RunningNginx {
  port: number;
  pid: number;
  /** Everything nginx wrote on stderr so far (its error log). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Writes `<prefix>/nginx.conf` around `httpBlock` (upstreams and locations; `@PORT@` is replaced
 * by the listening port) and starts nginx in the foreground, single process. Retries with
 * another port if the chosen one was taken meanwhile.
 */
export async function startNginx(httpBlock: string): Promise<RunningNginx> {
  const binary = findNginx();
  for (let attempt = 0; attempt < 3; attempt++) {
    const prefix = mkdtempSync(join(tmpdir(), 'ketama-nginx-'));
    for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir));
    const port = await freePort();
    const config = [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (d) => `  ${d === 'body' ? 'client_body' : d}_temp_path ${join(prefix, d)};`,
      ),
      httpBlock.replaceAll('@PORT@', String(port)),
      '}',
    ].join('\n');
    writeFileSync(join(prefix, 'nginx.conf'), `${config}\n`);
    const child = spawn(binary, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
    });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (error) => resolve(error));
    });
    if (spawned) {
      rmSync(prefix, { recursive: true, force: true });
      throw spawned;
    }
    const stop = async () => {
      await stopChild(child);
      rmSync(prefix, { recursive: true, force: true });
    };
    // Ready when the port accepts connections; give up if nginx exits (bad config, port taken).
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      if (await canConnect(port)) return { port, pid: child.pid!, log: () => log, stop };
      await sleep(25);
    }
    await stop();
    if (!log.includes('Address already in use')) {
      throw new Error(`nginx did not start:\n${log}\nconfig:\n${config}`);
    }
  }
  throw new Error('nginx could not bind a free 127.0.0.1 port in 3 attempts');
}
