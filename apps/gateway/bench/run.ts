// What the gateway's config-driven phases cost: the gateway (route lookup, request id, header
// edits, forwarding fields, metrics, a JSON access log; then JWT and a rate limit) against a
// bare @pingora-ts/proxy HttpProxy whose upstreamPeer returns the origin, both in front of the
// same origin (a node:http hello world in a child process). autocannon runs in its own process
// (50 connections, 5 s); A B A B A B interleaved; medians of requests/s and p99.
// Run: pnpm --filter @pingora-ts/gateway bench (build first: tsc -p tsconfig.build.json)
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Gateway, parseConfig } from '@pingora-ts/gateway';
import { HttpProxy } from '@pingora-ts/proxy';
import { SignJWT } from 'jose';
import { report, row } from '../../../scripts/bench-kit.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const autocannon = join(here, '..', 'node_modules', '.bin', 'autocannon');
const REPEATS = 3;
const SECRET = 'bench-secret-bench-secret-bench!';

const ORIGIN = `
const http = require('node:http');
const body = Buffer.from('hello world');
const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }); res.end(body); });
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startOrigin(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', ORIGIN], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  return { port, child };
}

async function load(url: string, headers: string[] = []): Promise<{ rps: number; p99: number }> {
  const args = ['-c', '50', '-d', '5', '-j', ...headers.flatMap((h) => ['-H', h]), url];
  const { stdout } = await promisify(execFile)(autocannon, args, { maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p99: number };
    errors: number;
    non2xx: number;
  };
  if (r.errors > 0 || r.non2xx > 0)
    throw new Error(`autocannon: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

const origin = await startOrigin();
const bare = new HttpProxy({ upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) });
const barePort = (await bare.listen(0, '127.0.0.1')).port;
const gateway = await Gateway.start({
  config: parseConfig(
    `
listeners: [{ address: "127.0.0.1:0" }]
upstreams: { app: { backends: ["127.0.0.1:${origin.port}"] } }
routes:
  - name: auth
    match: { paths: ["/auth/**"] }
    upstream: app
    jwt: { secret: "${SECRET}" }
    rate_limit: { key: "claim:sub", rate_per_second: 1000000000, burst: 1000000000 }
  - name: plain
    match: { paths: ["/**"] }
    upstream: app
    request_headers: { set: { X-Route: "{route}" } }
`,
    'bench.yaml',
  ),
  reusePort: false,
  logDestination: { write: () => {} },
});
const gw = gateway.listeners[0]?.url as string;
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench')
  .sign(new TextEncoder().encode(SECRET));

const rows = [];
for (const [name, path, headers] of [
  ['plain route', '/hello', []],
  ['JWT + rate limit', '/auth/hello', [`authorization=Bearer ${token}`]],
] as const) {
  const ours: { rps: number; p99: number }[] = [];
  const anchor: { rps: number; p99: number }[] = [];
  for (let i = 0; i < REPEATS; i++) {
    ours.push(await load(`${gw}${path}`, [...headers]));
    anchor.push(await load(`http://127.0.0.1:${barePort}${path}`, [...headers]));
  }
  const o = { rps: median(ours.map((x) => x.rps)), p99: median(ours.map((x) => x.p99)) };
  const a = { rps: median(anchor.map((x) => x.rps)), p99: median(anchor.map((x) => x.p99)) };
  rows.push(row(`${name} req/s`, 'req/s', o.rps, 'bare HttpProxy', a.rps, 0.8));
  rows.push(row(`${name} p99`, 'ms', o.p99, 'bare HttpProxy', a.p99, undefined, 'lower'));
}
report('gateway', 'overhead', rows);

await gateway.close(1000);
await bare.close();
origin.child.kill();
