// Requests per second against the same real nginx (100 B and 64 KiB bodies): our connector vs
// undici's Pool with the same connection count (16 in flight over 16 connections), interleaved
// rounds, medians. Run: pnpm --filter @pingora-ts/http-client bench
import { HttpConnector } from '@pingora-ts/http-client';
import { Pool } from 'undici';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';
import { startNginx } from '../test/nginx.ts';

const CONCURRENCY = 16;
const REQUESTS = 10_000;
const nginx = await startNginx(
  `keepalive_requests 1000000;
  location = /small { return 200 "${'x'.repeat(100)}"; }
  location = /large.bin { }`,
  { 'large.bin': Buffer.alloc(65_536, 'y') },
);
const peer = { host: '127.0.0.1', port: nginx.port };
const ours = new HttpConnector();
const undici = new Pool(`http://127.0.0.1:${nginx.port}`, {
  connections: CONCURRENCY,
  pipelining: 1,
});

async function run(one: () => Promise<number>): Promise<number> {
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next++ < REQUESTS) bytes += await one();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (bytes === 0) throw new Error('no bytes');
  return REQUESTS;
}

const rows = [];
for (const path of ['/small', '/large.bin']) {
  const result = await compareOps(
    {
      ours: () =>
        run(async () => {
          const res = await ours.request(peer, { path });
          let n = 0;
          for await (const chunk of res.body) n += chunk.length;
          return n;
        }),
      'undici Pool': () =>
        run(async () => {
          const res = await undici.request({ path, method: 'GET' });
          let n = 0;
          for await (const chunk of res.body) n += (chunk as Buffer).length;
          return n;
        }),
    },
    // Each turn starts from a collected heap: in one process, the garbage one client leaves is
    // otherwise collected in the other's time (run with --expose-gc).
    { rounds: 5, warmup: 1, settle: () => (globalThis as { gc?: () => void }).gc?.() },
  );
  rows.push(
    row(
      `GET ${path}, 16 connections`,
      'req/s',
      result.ours,
      'undici Pool',
      result['undici Pool'],
      1,
    ),
  );
}
report('http-client', 'request', rows);
ours.close();
await undici.close();
await nginx.stop();
