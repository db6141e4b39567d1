// Our server vs node:http with the same handler (hello world, and a 64 KiB body), loaded by
// autocannon in a separate process (50 connections, 5 s), runs interleaved A B A B A B,
// medians of requests/s and p99 latency. Run: pnpm --filter @pingora-ts/http-server bench
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { HttpServer } from '@pingora-ts/http-server';
import { report, row } from '../../../scripts/bench-kit.mjs';

const autocannon = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'node_modules',
  '.bin',
  'autocannon',
);
const HELLO = Buffer.from('hello world');
const LARGE = Buffer.alloc(65_536, 'z');
const REPEATS = 3;

async function load(port: number): Promise<{ rps: number; p99: number }> {
  const { stdout } = await promisify(execFile)(
    autocannon,
    ['-c', '50', '-d', '5', '-j', `http://127.0.0.1:${port}/`],
    { maxBuffer: 16 * 1024 * 1024 },
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
for (const [name, body] of [
  ['hello world', HELLO],
  ['64 KiB body', LARGE],
] as const) {
  const ours = new HttpServer({
    handler: (s) => s.respond(200, body, { 'content-type': 'text/plain' }),
  });
  const oursPort = (await ours.listen(0, '127.0.0.1')).port;
  const node = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  const nodePort = (node.address() as AddressInfo).port;
  const a: { rps: number; p99: number }[] = [];
  const b: { rps: number; p99: number }[] = [];
  for (let i = 0; i < REPEATS; i++) {
    a.push(await load(oursPort));
    b.push(await load(nodePort));
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
  await ours.close();
  node.closeAllConnections();
  await new Promise<void>((r) => node.close(() => r()));
}
report('http-server', 'serve', rows);
