// The end-to-end matrix: nginx, haproxy, http-proxy, @fastify/http-proxy, our proxy and our
// gateway, one process or worker each, in front of the same nginx backend (fixed 100 B and
// 64 KiB bodies; a `ws` echo server for the WebSocket row), loaded by wrk (HTTP/1.1, also over
// TLS), h2load (HTTP/2) and ws clients (WebSocket echo), runs interleaved, medians.
// Writes bench-results/report.md, report.json and report.svg (with every package's own
// benchmark figures found under bench-results/).
// Run: pnpm bench (everything) or node apps/bench/dist/run.js [--quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchCertificate, makeCertificate } from './certificate.js';
import { h2load, type LoadResult, wrk, wsEcho } from './load.js';
import {
  freePort,
  hasTool,
  OUR_NODE_FLAGS,
  type Owned,
  processStats,
  startHaproxy,
  startNginx,
  startNode,
} from './processes.js';
import { type Cell, type RowResult, writeReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const isQuick = process.argv.includes('--quick');
// `--only <text>`: just the rows whose name contains the text (for working on one row).
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1]?.toLowerCase();
const SECONDS = isQuick ? 2 : 3;
const ROUNDS = isQuick ? 1 : 3;
// Unkept warm-up load per contender before the rounds. A JIT runtime needs seconds of load to
// reach its steady state: a fresh proxy of ours served 10.6k, 18.8k, 23.2k, then 25.5k req/s
// in its first four seconds at 100 B (h2c: 7.6k, 11.8k, 12.4k, 16.1k); nginx is at full speed
// at once. One second left the first round half warm, and the median of three rounds then
// rested on the two others alone.
//
// The warm-up is several runs of the load generator, not one: each run ends with its clients
// leaving mid-request (wrk and h2load stop on time, requests in flight), and the first time a
// JIT sees that, code it had optimised for requests that complete is thrown away and compiled
// again in the next run. In one 4 s run, the first kept round of our proxy then spent 109-225
// ms compiling on its core (p99 13.9-49 ms); warmed by 2 + 1 + 1 s, 5-8 ms (p99 5.2-12 ms), on
// 2026-11-24, three runs of each. The same seconds for every contender.
const WARM_UP_RUNS_SECONDS = isQuick ? [1] : [2, 1, 1];
const CONTENDER_CORE = 0;
const LOAD_CORE = 1;

// What the matrix needs from Debian; installed here when missing and apt-get is at hand.
const NEEDED: Record<string, string> = {
  wrk: 'wrk',
  h2load: 'nghttp2-client',
  '/usr/sbin/nginx': 'nginx-light',
  haproxy: 'haproxy',
};
const missing = Object.entries(NEEDED).filter(([tool]) => !hasTool(tool));
if (missing.length > 0 && hasTool('apt-get')) {
  const packages = missing.map(([, pkg]) => pkg);
  console.log(`apt-get install ${packages.join(' ')}`);
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  // Debian starts the services it installs; the matrix starts its own instances.
  spawnSync('sh', [
    '-c',
    'systemctl stop nginx haproxy 2>/dev/null; pkill -x nginx; pkill -x haproxy; true',
  ]);
}
for (const tool of ['wrk', 'h2load', '/usr/sbin/nginx']) {
  if (!hasTool(tool)) {
    console.error(
      `${tool} is missing: apt-get install wrk nghttp2-client nginx-light (haproxy optional)`,
    );
    process.exit(2);
  }
}
const hasHaproxy = hasTool('haproxy');
// One certificate for every contender of the TLS row (openssl is part of .ci/run's packages).
const certificate: BenchCertificate | undefined = hasTool('openssl')
  ? makeCertificate()
  : undefined;

interface Contender {
  name: string;
  isNode: boolean;
  start(backendPort: number): Promise<Owned>;
}

const proxyPass = () =>
  `location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }`;
const upstreamBlock = (backend: number) =>
  `upstream origin { server 127.0.0.1:${backend}; keepalive 64; }`;

/** A gateway config with one route to the backend; `mode` adds TLS or a WebSocket route. */
function gatewayConfig(backend: number, port: number, mode?: 'tls' | 'websocket'): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const file = join(dir, 'gateway.yaml');
  const tls =
    mode === 'tls' && certificate !== undefined
      ? `, tls: { cert_file: "${certificate.cert}", key_file: "${certificate.key}" }`
      : '';
  writeFileSync(
    file,
    `listeners: [{ address: "127.0.0.1:${port}"${tls} }]
admin: { address: "127.0.0.1:0" }
logging: { level: warn, access_log: false }
upstreams:
  origin: { backends: ["127.0.0.1:${backend}"] }
routes:
  - name: all
    match: { paths: ["/**"] }
    upstream: origin
${mode === 'websocket' ? '    websocket: true\n' : ''}`,
  );
  return file;
}

function gateway(mode?: 'tls' | 'websocket'): Contender {
  return {
    name: 'pingora-ts gateway',
    isNode: true,
    start: async (b) => {
      const port = await freePort();
      const config = gatewayConfig(b, port, mode);
      const started = await startNode(
        'pingora-ts gateway',
        join(root, 'apps', 'gateway', 'dist', 'cli.js'),
        ['serve', '-c', config],
        CONTENDER_CORE,
        port,
        OUR_NODE_FLAGS.gateway,
      );
      return {
        ...started,
        stop: () =>
          started.stop().then(() => rmSync(dirname(config), { recursive: true, force: true })),
      };
    },
  };
}

/** A Node contender from dist/peers: `script` <backendPort> <listenPort> ...`extra`. */
function nodePeer(name: string, script: string, extra: string[] = []): Contender {
  // Ours runs as its README recommends; the others as they ship (see OUR_NODE_FLAGS).
  const flags = script === 'ours.js' ? OUR_NODE_FLAGS.proxy : [];
  return {
    name,
    isNode: true,
    start: (b) =>
      startNode(
        name,
        join(here, 'peers', script),
        [String(b), '@PORT@', ...extra],
        CONTENDER_CORE,
        undefined,
        flags,
      ),
  };
}

const nginxProxy: Contender = {
  name: 'nginx',
  isNode: false,
  start: (backend) =>
    startNginx('nginx', proxyPass(), { core: CONTENDER_CORE, http: upstreamBlock(backend) }),
};
const contenders: Contender[] = [
  nginxProxy,
  ...(hasHaproxy
    ? [
        {
          name: 'haproxy',
          isNode: false,
          start: (b: number) => startHaproxy('haproxy', b, CONTENDER_CORE),
        },
      ]
    : []),
  nodePeer('http-proxy', 'http-proxy.js'),
  nodePeer('@fastify/http-proxy', 'fastify-proxy.js'),
  nodePeer('pingora-ts proxy', 'ours.js'),
  gateway(),
];

interface RowSpec {
  name: string;
  generator: 'wrk' | 'h2load' | 'ws';
  scheme?: 'http' | 'https' | 'ws';
  path: string;
  contenders: Contender[];
  /** The nginx backend (default), or the `ws` echo server for the WebSocket row. */
  backend?: 'nginx' | 'ws-echo';
  headers?: string[];
  note?: string;
}

const cacheContenders: Contender[] = [
  {
    name: 'nginx',
    isNode: false,
    start: (b) =>
      startNginx(
        'nginx',
        `location / { proxy_pass http://origin; proxy_cache hits; proxy_http_version 1.1; proxy_set_header Connection ""; }`,
        {
          core: CONTENDER_CORE,
          http: `${upstreamBlock(b)} proxy_cache_path @PREFIX@/cache levels=1:2 keys_zone=hits:10m max_size=256m use_temp_path=off;`,
        },
      ),
  },
  {
    name: 'pingora-ts proxy',
    isNode: true,
    start: (b) =>
      startNode(
        'pingora-ts proxy',
        join(here, 'peers', 'ours.js'),
        [String(b), '@PORT@', 'cache'],
        CONTENDER_CORE,
        undefined,
        OUR_NODE_FLAGS.proxy,
      ),
  },
];
const h2Contenders: Contender[] = [
  {
    name: 'nginx',
    isNode: false,
    start: (b) =>
      startNginx('nginx', proxyPass(), {
        core: CONTENDER_CORE,
        http: upstreamBlock(b),
        listen: 'http2',
      }),
  },
  {
    name: 'pingora-ts proxy',
    isNode: true,
    start: (b) =>
      startNode(
        'pingora-ts proxy',
        join(here, 'peers', 'ours.js'),
        [String(b), '@PORT@', 'h2c'],
        CONTENDER_CORE,
        undefined,
        OUR_NODE_FLAGS.proxyHttp2,
      ),
  },
];

/** TLS downstream (same certificate everywhere), plain HTTP/1.1 keep-alive upstream. */
const tlsContenders: Contender[] =
  certificate === undefined
    ? []
    : [
        {
          name: 'nginx',
          isNode: false,
          start: (b) =>
            startNginx(
              'nginx',
              `ssl_certificate ${certificate.cert}; ssl_certificate_key ${certificate.key}; ${proxyPass()}`,
              { core: CONTENDER_CORE, http: upstreamBlock(b), listen: 'ssl' },
            ),
        },
        ...(hasHaproxy
          ? [
              {
                name: 'haproxy',
                isNode: false,
                start: (b: number) =>
                  startHaproxy('haproxy', b, CONTENDER_CORE, `ssl crt ${certificate.combined}`),
              },
            ]
          : []),
        nodePeer('http-proxy', 'http-proxy.js', [certificate.cert, certificate.key]),
        nodePeer('@fastify/http-proxy', 'fastify-proxy.js', [certificate.cert, certificate.key]),
        nodePeer('pingora-ts proxy', 'ours.js', ['tls', certificate.cert, certificate.key]),
        gateway('tls'),
      ];

/** WebSocket upgrades to the `ws` echo backend: tunnelled, and (ours) relayed frame by frame. */
const wsContenders: Contender[] = [
  {
    name: 'nginx',
    isNode: false,
    start: (b) =>
      startNginx(
        'nginx',
        `location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; proxy_read_timeout 60s; }`,
        { core: CONTENDER_CORE, http: upstreamBlock(b) },
      ),
  },
  ...(hasHaproxy
    ? [
        {
          name: 'haproxy',
          isNode: false,
          start: (b: number) => startHaproxy('haproxy', b, CONTENDER_CORE),
        },
      ]
    : []),
  nodePeer('http-proxy', 'http-proxy.js'),
  nodePeer('@fastify/http-proxy', 'fastify-proxy.js'),
  nodePeer('pingora-ts proxy', 'ours.js'),
  nodePeer('pingora-ts proxy (frames)', 'ours.js', ['frames']),
  gateway('websocket'),
];

const allRows: RowSpec[] = [
  { name: 'HTTP/1.1 keep-alive, 100 B', generator: 'wrk', path: '/small', contenders },
  { name: 'HTTP/1.1 keep-alive, 64 KiB', generator: 'wrk', path: '/large', contenders },
  ...(isQuick && only === undefined
    ? []
    : [
        {
          name: 'new connection per request, 100 B',
          generator: 'wrk' as const,
          path: '/small',
          contenders,
          headers: ['Connection: close'],
        },
        {
          name: 'HTTP/2 clients (h2c), 100 B',
          generator: 'h2load' as const,
          path: '/small',
          contenders: h2Contenders,
        },
        ...(certificate === undefined
          ? []
          : [
              {
                name: 'TLS downstream, keep-alive, 100 B',
                generator: 'wrk' as const,
                scheme: 'https' as const,
                path: '/small',
                contenders: tlsContenders,
              },
            ]),
        {
          name: 'WebSocket echo, 64 B messages, 100 connections',
          generator: 'ws' as const,
          scheme: 'ws' as const,
          path: '/',
          backend: 'ws-echo' as const,
          contenders: wsContenders,
          note: 'round trips/s; ws clients and the ws echo backend share the load core',
        },
        {
          name: 'cache hit, 1 KiB',
          generator: 'wrk' as const,
          path: '/cached-1k',
          contenders: cacheContenders,
        },
      ]),
];
const rows =
  only === undefined ? allRows : allRows.filter((r) => r.name.toLowerCase().includes(only));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(
  spec: RowSpec,
  owned: Owned,
  seconds = SECONDS,
): Promise<LoadResult & { cpuSeconds: number }> {
  const before = processStats(owned.pid);
  const url = `${spec.scheme ?? 'http'}://127.0.0.1:${owned.port}${spec.path}`;
  const result =
    spec.generator === 'h2load'
      ? await h2load(url, { clients: 16, streams: 16, seconds, core: LOAD_CORE })
      : spec.generator === 'ws'
        ? await wsEcho(url, { connections: 100, seconds, bytes: 64, core: LOAD_CORE })
        : await wrk(url, {
            connections: 64,
            seconds,
            core: LOAD_CORE,
            headers: spec.headers,
          });
  const after = processStats(owned.pid);
  return { ...result, cpuSeconds: (after?.cpuSeconds ?? 0) - (before?.cpuSeconds ?? 0) };
}

const backend = await startNginx(
  'backend',
  `location = /small { return 200 "${'x'.repeat(100)}"; }
    location = /large { }
    location = /cached-1k { add_header Cache-Control "max-age=3600"; }`,
  {
    core: LOAD_CORE,
    files: { large: Buffer.alloc(65_536, 'y'), 'cached-1k': Buffer.alloc(1024, 'z') },
  },
);
const results: RowResult[] = [];
let wsBackend: Owned | undefined;
try {
  for (const spec of rows) {
    console.log(`\n${spec.name} (${spec.generator}, ${SECONDS} s x ${ROUNDS} rounds)`);
    const running: Owned[] = [];
    try {
      if (spec.backend === 'ws-echo' && wsBackend === undefined) {
        wsBackend = await startNode(
          'ws echo',
          join(here, 'peers', 'ws-echo.js'),
          ['@PORT@'],
          LOAD_CORE,
        );
      }
      const backendPort = spec.backend === 'ws-echo' ? (wsBackend as Owned).port : backend.port;
      for (const c of spec.contenders) running.push(await c.start(backendPort));
      // Warm up (the JIT, the pools, the caches); these figures are not kept.
      for (const owned of running) {
        for (const seconds of WARM_UP_RUNS_SECONDS) await measure(spec, owned, seconds);
      }
      const samples = running.map(() => [] as (LoadResult & { cpuSeconds: number })[]);
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, owned] of running.entries()) samples[i]?.push(await measure(spec, owned));
      }
      const cells: Cell[] = spec.contenders.map((c, i) => {
        const s = samples[i] ?? [];
        const stats = processStats(running[i]?.pid ?? 0);
        return {
          contender: c.name,
          isNode: c.isNode,
          rps: median(s.map((x) => x.rps)),
          p50Ms: median(s.map((x) => x.p50Ms)),
          p99Ms: median(s.map((x) => x.p99Ms)),
          cpuSecondsPer10k: median(
            s.map((x) => (x.requests > 0 ? (x.cpuSeconds / x.requests) * 10_000 : Number.NaN)),
          ),
          peakRssMb: stats?.peakRssMb ?? Number.NaN,
          errors: s.reduce((a, x) => a + x.errors, 0),
          vsNginx: 0,
          vsBestNode: undefined,
        };
      });
      const nginx = cells.find((c) => c.contender === 'nginx')?.rps ?? Number.NaN;
      const bestOtherNode = Math.max(
        ...cells.filter((c) => c.isNode && !c.contender.startsWith('pingora-ts')).map((c) => c.rps),
      );
      for (const cell of cells) {
        cell.vsNginx = cell.rps / nginx;
        if (cell.contender.startsWith('pingora-ts') && Number.isFinite(bestOtherNode)) {
          cell.vsBestNode = cell.rps / bestOtherNode;
        }
        console.log(
          `  ${cell.contender.padEnd(20)} ${cell.rps.toFixed(0).padStart(8)} req/s  p99 ${cell.p99Ms.toFixed(2)} ms  ${cell.vsNginx.toFixed(2)}x nginx`,
        );
      }
      results.push({ row: spec.name, generator: spec.generator, cells, note: spec.note });
    } finally {
      for (const owned of running) await owned.stop();
    }
  }
} finally {
  await backend.stop();
  await wsBackend?.stop();
  certificate?.remove();
}
if (!hasHaproxy)
  console.log('haproxy is not installed: its column is left out (apt-get install haproxy)');
if (certificate === undefined) console.log('openssl is not installed: the TLS row is left out');
writeReport(join(root, 'bench-results'), results, isQuick ? 'quick' : 'full');
console.log(`report: ${join(root, 'bench-results', 'report.md')} (and report.json, report.svg)`);
