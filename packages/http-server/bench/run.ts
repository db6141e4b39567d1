// Our server vs node:http with the same handler (hello world, and a 64 KiB body), each in a
// process of its own pinned to core 0 where taskset exists, loaded by wrk pinned to core 1
// (or autocannon when wrk is not installed), runs interleaved A B A B A B, medians of
// requests/s and p99 latency. Run: pnpm --filter @pingora-ts/http-server bench
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { report, row } from '../../../scripts/bench-kit.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const autocannon = join(here, '..', 'node_modules', '.bin', 'autocannon');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const hasWrk = has('wrk');
const hasTaskset = has('taskset') && (await import('node:os')).availableParallelism() >= 2;
const REPEATS = 3;
const run = promisify(execFile);

async function load(port: number): Promise<{ rps: number; p99: number }> {
  if (hasWrk) {
    const args = ['-t1', '-c64', '-d4s', '--latency', `http://127.0.0.1:${port}/`];
    const { stdout } = hasTaskset
      ? await run('taskset', ['-c', '1', 'wrk', ...args])
      : await run('wrk', args);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
    const [, value, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout) ?? [];
    const p99 = Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
    return { rps, p99 };
  }
  const { stdout } = await run(
    autocannon,
    ['-c', '50', '-d', '5', '-j', `http://127.0.0.1:${port}/`],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const result = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p99: number };
    errors: number;
  };
  if (result.errors > 0) throw new Error(`autocannon saw ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows = [];
for (const [name, size] of [
  ['hello world', 11],
  ['64 KiB body', 65_536],
] as const) {
  // Each server in a process of its own, both pinned to core 0 and loaded in turns: sharing
  // one process, each would also collect the garbage the other left.
  const servers = await Promise.all(
    (['ours', 'node'] as const).map(async (which) => {
      const command = [process.execPath, join(here, 'servers.ts'), String(size), which];
      const child = hasTaskset
        ? spawn('taskset', ['-c', '0', ...command], { stdio: ['ignore', 'pipe', 'inherit'] })
        : spawn(command[0] as string, command.slice(1), {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      return { child, port: (JSON.parse(line.toString()) as { port: number }).port };
    }),
  );
  const [ours, node] = servers as [(typeof servers)[0], (typeof servers)[0]];
  const a: { rps: number; p99: number }[] = [];
  const b: { rps: number; p99: number }[] = [];
  try {
    await load(ours.port); // warm up both
    await load(node.port);
    for (let i = 0; i < REPEATS; i++) {
      a.push(await load(ours.port));
      b.push(await load(node.port));
    }
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
  }
  rows.push(
    row(
      `${name} requests/s`,
      'req/s',
      median(a.map((x) => x.rps)),
      'node:http',
      median(b.map((x) => x.rps)),
      1.3,
    ),
  );
  rows.push(
    row(
      `${name} p99`,
      'ms',
      median(a.map((x) => x.p99)),
      'node:http',
      median(b.map((x) => x.p99)),
      1,
      'lower',
    ),
  );
}
report('http-server', `serve (${hasWrk ? 'wrk' : 'autocannon'})`, rows);
