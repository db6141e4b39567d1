// Two questions, each against node:http2 in the same run (medians of interleaved rounds):
// 1. Downstream: h2load (a separate process, h2c, 8 connections x 16 streams) against H2Server
//    and against a node:http2 server with the same answer. Requests/s.
// 2. Upstream: one HTTP/2 connection carrying 128 concurrent streams to a node:http2 origin
//    (in a child process): H2Connector vs a bare node:http2 ClientHttp2Session. Requests/s.
// Run: pnpm --filter @pingora-ts/http2 bench   (needs h2load, Debian nghttp2-client)
import { execFile, spawn } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { H2Connector, H2Server } from '@pingora-ts/http2';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const ROUNDS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

async function h2load(port: number, requests: number): Promise<number> {
  const { stdout } = await promisify(execFile)(
    'h2load',
    ['-n', String(requests), '-c', '8', '-m', '16', '-t', '1', `http://127.0.0.1:${port}/`],
    { maxBuffer: 16 << 20 },
  );
  const done = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded/.exec(stdout);
  if (done === null || done[2] !== String(requests)) throw new Error(`h2load failed:\n${stdout}`);
  const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(stdout);
  if (rps === null) throw new Error(`no req/s in h2load output:\n${stdout}`);
  return Number(rps[1]);
}

const rows = [];
for (const [name, body, requests] of [
  ['hello world', Buffer.from('hello world'), 40_000],
  ['16 KiB body', Buffer.alloc(16_384, 'z'), 20_000],
] as const) {
  const ours = new H2Server({
    handler: (s) => s.respond(200, body, { 'content-type': 'text/plain' }),
  });
  const oursPort = (await ours.listen(0, '127.0.0.1')).port;
  const node = http2.createServer();
  node.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
    stream.end(body);
  });
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  const nodePort = (node.address() as AddressInfo).port;
  await h2load(oursPort, 5_000);
  await h2load(nodePort, 5_000);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    if (i % 2 === 0) {
      a.push(await h2load(oursPort, requests));
      b.push(await h2load(nodePort, requests));
    } else {
      b.push(await h2load(nodePort, requests));
      a.push(await h2load(oursPort, requests));
    }
  }
  rows.push(row(`h2load ${name}`, 'req/s', median(a), 'node:http2 server', median(b), 0.8));
  await ours.close();
  await new Promise<void>((r) => node.close(() => r()));
}

// Upstream: the origin runs in its own process so that it does not share our event loop.
const ORIGIN = `
import http2 from 'node:http2';
const s = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
s.on('stream', (st) => { st.respond({ ':status': 200 }); st.end('ok'); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;
const origin = spawn(process.execPath, ['--input-type=module', '-e', ORIGIN], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const originPort = await new Promise<number>((resolve) =>
  origin.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
);
const CONCURRENCY = 128;
const PER_ROUND = 20_000;

async function drive(one: () => Promise<void>): Promise<number> {
  let left = PER_ROUND;
  const worker = async () => {
    while (left-- > 0) await one();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return PER_ROUND;
}

const connector = new H2Connector();
const peer = { host: '127.0.0.1', port: originPort, protocol: 'h2' as const };
const bare = http2.connect(`http://127.0.0.1:${originPort}`);
let maxStreams = 0;
const ops = await compareOps(
  {
    ours: () =>
      drive(async () => {
        const res = await connector.request(peer);
        maxStreams = Math.max(maxStreams, connector.stats().streams);
        await res.bytes();
      }),
    anchor: () =>
      drive(
        () =>
          new Promise<void>((resolve, reject) => {
            const req = bare.request({ ':path': '/' });
            req.on('error', reject);
            req.on('data', () => {});
            req.on('end', resolve);
          }),
      ),
  },
  { rounds: ROUNDS, warmup: 1 },
);
const connections = connector.stats().connections;
if (connections !== 1) throw new Error(`expected one upstream connection, saw ${connections}`);
rows.push(
  row(
    `upstream, 1 connection, ${CONCURRENCY} streams (max seen ${maxStreams})`,
    'req/s',
    ops.ours,
    'node:http2 client',
    ops.anchor,
    0.7,
  ),
);
connector.close();
bare.close();
origin.kill();
report('http2', 'h2', rows);
