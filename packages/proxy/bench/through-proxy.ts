// Issue #9's question: keep-alive requests/s, p99 and peak RSS through our plain proxy vs an
// nginx proxy, both in front of the same nginx origin (100 B and 64 KiB bodies), wrk -c64.
// Our proxy runs on CPU 0; this script, nginx and wrk on CPU 1 (where taskset exists).
// Rounds are interleaved (nginx, ours, nginx, ours, ...) and each figure is the median.
// Run: taskset -c 1 node bench/through-proxy.ts [seconds] [rounds] [-- node flags for ours]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startNginx } from '../test/nginx.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const dash = process.argv.indexOf('--');
// Default: the young generation the README recommends ("Memory: the young generation").
const nodeFlags = dash === -1 ? ['--max-semi-space-size=2'] : process.argv.slice(dash + 1);

const origin = await startNginx(
  'location / { }',
  { small: Buffer.alloc(100, 'a'), large: Buffer.alloc(64 * 1024, 'b') },
  'access_log off; keepalive_requests 1000000;',
);
const front = await startNginx(
  `location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }`,
  {},
  `access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:${origin.port}; keepalive 64; }`,
);
const oursPort = await freePort();
const command = [...nodeFlags, here('./plain-proxy.ts'), String(origin.port), String(oursPort)];
const ours = hasTaskset
  ? spawn('taskset', ['-c', '0', process.execPath, ...command], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
  : spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'inherit'] });
await once(ours.stdout!, 'data');

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Sample {
  rps: number;
  p99: number;
}
function load(port: number, path: string): Sample {
  const out = execFileSync('wrk', [
    '-t1',
    '-c64',
    `-d${SECONDS}s`,
    '--latency',
    `http://127.0.0.1:${port}/${path}`,
  ]).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit = m?.[2] === 'us' ? 0.001 : m?.[2] === 's' ? 1000 : 1;
  return { rps, p99: Number(m?.[1] ?? 0) * unit };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  for (const path of ['small', 'large']) {
    load(oursPort, path); // warm-up
    const n: Sample[] = [];
    const o: Sample[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      n.push(load(front.port, path));
      o.push(load(oursPort, path));
    }
    const nr = median(n.map((s) => s.rps));
    const or = median(o.map((s) => s.rps));
    const np = median(n.map((s) => s.p99));
    const op = median(o.map((s) => s.p99));
    console.log(
      `${path.padEnd(5)} nginx ${(nr / 1000).toFixed(1)}k p99 ${np.toFixed(2)} ms | ours ${(or / 1000).toFixed(1)}k p99 ${op.toFixed(2)} ms | ratio ${(or / nr).toFixed(2)}x, p99 ${(op / np).toFixed(1)}x | ours rounds ${o.map((s) => (s.rps / 1000).toFixed(1)).join(' ')}`,
    );
  }
  console.log(`ours peak RSS ${rssMb(ours.pid!).toFixed(0)} MB`);
} finally {
  ours.kill('SIGTERM');
  await once(ours, 'exit');
  await front.stop();
  await origin.stop();
}
