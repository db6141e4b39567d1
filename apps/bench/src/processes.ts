// Processes a benchmark starts and stops by pid: nginx and haproxy with configs of their own,
// Node contenders from dist/peers, each optionally pinned to a core with taskset.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process the benchmark owns. */
export interface Owned {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

export const hasTool = (tool: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const canPin = hasTool('taskset') && availableParallelism() >= 2;

/** `command args` on `core` when the machine allows (taskset), else as is. */
function launch(
  core: number | undefined,
  command: string,
  args: string[],
  cwd?: string,
): ChildProcess {
  const pinned = canPin && core !== undefined;
  return spawn(
    pinned ? 'taskset' : command,
    pinned ? ['-c', String(core), command, ...args] : args,
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    },
  );
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  name: string,
  log: () => string,
): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not start on port ${port}: ${log()}`);
}

async function own(
  name: string,
  child: ChildProcess,
  port: number,
  cleanup = () => {},
): Promise<Owned> {
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, name, () => log);
  return {
    name,
    pid: child.pid as number,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}

/** nginx, one worker, foreground, its own prefix; `server` is the inside of a server block. */
export async function startNginx(
  name: string,
  server: string,
  options: { core?: number; files?: Record<string, Buffer>; http?: string; listen?: string } = {},
): Promise<Owned> {
  const prefix = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  mkdirSync(join(prefix, 'html'));
  for (const [file, data] of Object.entries(options.files ?? {}))
    writeFileSync(join(prefix, 'html', file), data);
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((d) => {
      mkdirSync(join(prefix, d));
      return `${d}_temp_path ${join(prefix, d)};`;
    })
    .join(' ');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off; master_process off; worker_processes 1; pid ${join(prefix, 'nginx.pid')}; error_log stderr error;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000; ${temp}
  ${(options.http ?? '').replaceAll('@PREFIX@', prefix)}
  server { listen 127.0.0.1:${port}${options.listen ? ` ${options.listen}` : ''}; root ${join(prefix, 'html')};
    ${server} } }
`,
  );
  const child = launch(options.core, '/usr/sbin/nginx', [
    '-p',
    prefix,
    '-c',
    join(prefix, 'nginx.conf'),
    '-e',
    'stderr',
  ]);
  return own(name, child, port, () => rmSync(prefix, { recursive: true, force: true }));
}

/**
 * haproxy in front of `backendPort`, one thread, keep-alive both sides; `bind` adds options to
 * the frontend's bind line (`ssl crt <combined.pem>` for TLS).
 */
export async function startHaproxy(
  name: string,
  backendPort: number,
  core?: number,
  bind = '',
): Promise<Owned> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-haproxy-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 60s
  option http-keep-alive
frontend front
  bind 127.0.0.1:${port}${bind ? ` ${bind}` : ''}
  default_backend back
backend back
  http-reuse always
  server origin 127.0.0.1:${backendPort}
`,
  );
  const child = launch(core, 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  return own(name, child, port, () => rmSync(dir, { recursive: true, force: true }));
}

/**
 * Node flags our proxy and gateway run with, as the proxy README ("Memory: the young
 * generation", "Memory: compiling on the main thread") and the gateway's start scripts
 * recommend, in place of V8's default young generation on this machine (2 x 64 MB): 2 x 2 MB for
 * the proxy serving HTTP/1.1 clients (it allocates about 12 KB per request, and the smaller
 * generation stays in the CPU caches), 2 x 32 MB for the proxy serving HTTP/2 clients (about
 * 20 KB per request, most of it node:http2's, and 256 streams in flight keep more of it alive at
 * each scavenge), and 2 x 8 MB for the gateway (more allocation per request; with 2 MB its p99
 * doubles). The proxy, pinned to one core, also compiles on its main thread: the background
 * compile threads would share its core and keep their compile memory (about 7 MB of peak RSS
 * with HTTP/1.1 clients; with HTTP/2 clients the rate rose too, 0.545x -> 0.625x nginx in the
 * medians of six interleaved pairs of the h2c row). The other Node contenders run with Node's
 * defaults, as their projects ship.
 */
export const OUR_NODE_FLAGS = {
  proxy: ['--max-semi-space-size=2', '--no-concurrent-recompilation'],
  proxyHttp2: ['--max-semi-space-size=32', '--no-concurrent-recompilation'],
  gateway: ['--max-semi-space-size=8'],
} as const satisfies Record<string, readonly string[]>;

/** A Node contender from dist/peers (`script` relative to dist), `nodeFlags` before the script. */
export async function startNode(
  name: string,
  script: string,
  args: string[],
  core?: number,
  chosenPort?: number,
  nodeFlags: readonly string[] = [],
): Promise<Owned> {
  const port = chosenPort ?? (await freePort());
  const child = launch(core, process.execPath, [
    ...nodeFlags,
    script,
    ...args.map((a) => a.replace('@PORT@', String(port))),
  ]);
  return own(name, child, port);
}

/** Peak resident memory (VmHWM) and CPU seconds used so far, from /proc. */
export function processStats(pid: number): { peakRssMb: number; cpuSeconds: number } | undefined {
  try {
    const status = spawnSync('cat', [`/proc/${pid}/status`, `/proc/${pid}/stat`]).stdout.toString();
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    const stat = status.slice(status.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(stat[11]) + Number(stat[12]);
    return { peakRssMb: hwm / 1024, cpuSeconds: ticks / 100 };
  } catch {
    return undefined;
  }
}
