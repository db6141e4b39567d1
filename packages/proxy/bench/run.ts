// Two benchmarks of the proxy against nginx, each in front of the same nginx origin, one
// worker / process each, interleaved rounds, medians:
// - cache hits per second through our proxy (HttpCache) vs nginx proxy_cache, 1 KiB and
//   100 KiB objects, the same load generator (wrk when installed, else autocannon), and the
//   bytes the JavaScript heap allocates per cache hit;
// - HTTP/2 clients (h2load, h2c with prior knowledge) through our proxy vs nginx `http2`, both
//   proxying to the origin over HTTP/1.1 keep-alive.
// Run: pnpm --filter @pingora-ts/proxy bench
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { report, row } from '../../../scripts/bench-kit.mjs';
import { freePort, startNginx } from '../test/nginx.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const hasWrk = spawnSync('sh', ['-c', 'command -v wrk']).status === 0;
const SECONDS = 3;
const ROUNDS = 3;

const origin = await startNginx(
  `location / { add_header Cache-Control "max-age=3600"; }`,
  { '1k': Buffer.alloc(1024, 'a'), '100k': Buffer.alloc(100 * 1024, 'b') },
  'access_log off; keepalive_requests 1000000;',
);
const front = await startNginx(
  `location / { proxy_pass http://127.0.0.1:${origin.port}; proxy_cache hits; proxy_http_version 1.1;
    proxy_set_header Connection ""; add_header X-Cache $upstream_cache_status; }`,
  {},
  `access_log off; keepalive_requests 1000000; proxy_cache_path @PREFIX@/cache levels=1:2 keys_zone=hits:10m max_size=256m inactive=60m use_temp_path=off;`,
);
const h2Front = await startNginx(
  `location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }`,
  {},
  `access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:${origin.port}; keepalive 64; }`,
  'http2',
);
const oursPort = await freePort();
const h2Port = await freePort();
const h2 = spawn(process.execPath, [here('./h2-front.ts'), String(origin.port), String(h2Port)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await once(h2.stdout!, 'data');
const ours = spawn(
  process.execPath,
  [here('./cache-proxy.ts'), String(origin.port), String(oursPort)],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
await once(ours.stdout!, 'data');

function load(port: number, path: string): number {
  if (hasWrk) {
    const out = execFileSync('wrk', [
      '-t1',
      '-c64',
      `-d${SECONDS}s`,
      `http://127.0.0.1:${port}${path}`,
    ]).toString();
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  }
  const out = execFileSync(process.execPath, [
    here('../node_modules/autocannon/autocannon.js'),
    '-j',
    '-c',
    '64',
    '-d',
    String(SECONDS),
    `http://127.0.0.1:${port}${path}`,
  ]).toString();
  return (JSON.parse(out) as { requests: { average: number } }).requests.average;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows = [];
try {
  for (const path of ['/1k', '/100k']) {
    load(oursPort, path); // fill both caches and warm up
    load(front.port, path);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(load(oursPort, path));
      b.push(load(front.port, path));
    }
    rows.push(
      row(
        `cache hit ${path.slice(1)} req/s`,
        'req/s',
        median(a),
        'nginx proxy_cache',
        median(b),
        0.6,
      ),
    );
  }
  const hasH2load = spawnSync('sh', ['-c', 'command -v h2load']).status === 0;
  if (hasH2load) {
    const h2load = (port: number): number => {
      const out = execFileSync('h2load', [
        '-D',
        String(SECONDS),
        '-c',
        '16',
        '-m',
        '16',
        '-t',
        '1',
        `http://127.0.0.1:${port}/1k`,
      ]).toString();
      return Number(/finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(out)?.[1]);
    };
    h2load(h2Port);
    h2load(h2Front.port);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(h2load(h2Port));
      b.push(h2load(h2Front.port));
    }
    rows.push(
      row(
        'h2 clients (h2load -c16 -m16), 1 KiB req/s',
        'req/s',
        median(a),
        'nginx http2',
        median(b),
        0.6,
      ),
    );
  }
  const alloc = spawnSync(process.execPath, [
    '--expose-gc',
    '--max-semi-space-size=64',
    here('./hit-allocations.ts'),
  ]);
  const measured = JSON.parse(alloc.stdout.toString()) as {
    bytesPerHit: number;
    collections: number;
  };
  // heapUsed growth over the loop; minor collections during it make this a lower bound.
  console.log(
    `hit path: ${measured.bytesPerHit} bytes allocated per cache hit (lookup and served head)` +
      (measured.collections === 0
        ? ''
        : `, a lower bound: ${measured.collections} minor collections ran`),
  );
} finally {
  ours.kill('SIGTERM');
  h2.kill('SIGTERM');
  await h2Front.stop();
  await front.stop();
  await origin.stop();
}
report('proxy', 'nginx', rows);
