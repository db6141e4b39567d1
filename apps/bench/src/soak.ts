// `pnpm soak`: mixed load through the gateway for 10 minutes (`--minutes N` to change it),
// sampling its RSS and open file descriptors every 5 s, and reporting their drift and any
// unexpected error. Everything runs on 127.0.0.1 and stops by itself.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { freePort, OUR_NODE_FLAGS, processStats, startNode } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const minutesArg = process.argv.indexOf('--minutes');
const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 10;
const deadline = Date.now() + minutes * 60_000;

const origin = http.createServer((req, res) => {
  if (req.url?.startsWith('/slow')) setTimeout(() => res.end('slow'), 50);
  else if (req.url?.startsWith('/large')) res.end(Buffer.alloc(256 * 1024, 'l'));
  else if (req.url?.startsWith('/post')) req.pipe(res);
  else res.end('ok');
});
origin.listen(0, '127.0.0.1');
await new Promise((r) => origin.once('listening', r));
const originPort = (origin.address() as AddressInfo).port;
const dir = mkdtempSync(join(tmpdir(), 'soak-'));
const port = await freePort();
writeFileSync(
  join(dir, 'gateway.yaml'),
  `listeners: [{ address: "127.0.0.1:${port}" }]
admin: { address: "127.0.0.1:0" }
logging: { level: warn, access_log: false }
upstreams:
  origin: { backends: ["127.0.0.1:${originPort}"] }
routes:
  - name: all
    match: { paths: ["/**"] }
    upstream: origin
`,
);
const gateway = await startNode(
  'gateway',
  join(here, '..', '..', 'gateway', 'dist', 'cli.js'),
  ['serve', '-c', join(dir, 'gateway.yaml')],
  undefined,
  port,
  OUR_NODE_FLAGS.gateway,
);
const fds = () => readdirSync(`/proc/${gateway.pid}/fd`).length;
const samples: { t: number; rssMb: number; fds: number }[] = [];
const sample = () => {
  const rssMb =
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))?.[1]) / 1024;
  samples.push({ t: Date.now(), rssMb, fds: fds() });
};

let ok = 0;
let unexpected = 0;
const agent = new Agent({ connections: 32 });
const base = `http://127.0.0.1:${port}`;
async function worker(kind: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const path = ['/ok', '/slow', '/large', '/post'][kind % 4] as string;
      const res = await request(`${base}${path}`, {
        dispatcher: agent,
        method: path === '/post' ? 'POST' : 'GET',
        body: path === '/post' ? Buffer.alloc(8 * 1024, 'p') : undefined,
      });
      await res.body.arrayBuffer();
      if (res.statusCode === 200) ok++;
      else unexpected++;
    } catch {
      unexpected++;
    }
  }
}
const timer = setInterval(sample, 5_000);
sample();
await Promise.all(Array.from({ length: 32 }, (_, i) => worker(i)));
clearInterval(timer);
sample();
const stats = processStats(gateway.pid);
await gateway.stop();
await agent.close();
origin.close();
rmSync(dir, { recursive: true, force: true });
const first = samples[Math.min(2, samples.length - 1)] as { rssMb: number; fds: number };
const last = samples.at(-1) as { rssMb: number; fds: number };
// RSS by minute (the largest sample of each) shows whether memory levels off or keeps growing;
// the second half's drift is the figure a slow leak cannot hide in.
const startedAt = samples[0]?.t ?? 0;
const byMinute: number[] = [];
for (const s of samples) {
  const m = Math.floor((s.t - startedAt) / 60_000);
  byMinute[m] = Math.max(byMinute[m] ?? 0, s.rssMb);
}
const middle = samples[Math.floor(samples.length / 2)] as { rssMb: number };
console.log(
  JSON.stringify(
    {
      minutes,
      requests: ok + unexpected,
      unexpectedErrors: unexpected,
      rssMb: {
        afterWarmup: first.rssMb,
        end: last.rssMb,
        drift: last.rssMb - first.rssMb,
        secondHalfDrift: last.rssMb - middle.rssMb,
        peak: stats?.peakRssMb,
        byMinute: byMinute.map((x) => Math.round(x)),
      },
      openFds: { afterWarmup: first.fds, end: last.fds, drift: last.fds - first.fds },
    },
    null,
    2,
  ),
);
process.exit(unexpected === 0 ? 0 : 1);
