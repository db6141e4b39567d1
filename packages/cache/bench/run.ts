// The in-process cache-hit path of the per-request API (begin, lookup, the served head with Age
// and Cache-Status, finish) against its floor: a plain Map lookup plus a clone of the stored
// header fields with Age set, which any cache must at least do to serve a hit. Also the bytes
// the JavaScript heap allocates per hit, for both, measured in a child process whose young
// generation is large enough that no collection runs while it counts.
// The comparison with nginx proxy_cache goes through the proxy (packages/proxy/bench).
// Run: pnpm --filter @pingora-ts/cache bench
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HttpCache } from '@pingora-ts/cache';
import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const ANCHOR = 'Map lookup + header clone';
const SIZES = { '1 KiB': 1024, '100 KiB': 100 * 1024 } as const;
type Size = keyof typeof SIZES;
/** Distinct stored objects, so lookups are not all on one hot key. */
const OBJECTS = 1_000;

const originFields = (): [string, string][] => [
  ['Cache-Control', 'max-age=3600'],
  ['Content-Type', 'text/css'],
  ['ETag', '"v1"'],
  ['Last-Modified', 'Mon, 23 Nov 2026 00:00:00 GMT'],
  ['Date', new Date().toUTCString()],
];
const requestFor = (i: number) =>
  new RequestHeader(
    'GET',
    `/asset-${i}.css`,
    'HTTP/1.1',
    new HeaderMap([
      ['Host', 'bench.test'],
      ['Accept', '*/*'],
      ['User-Agent', 'bench'],
    ]),
  );

/** An HttpCache holding OBJECTS responses of `bytes` each, and the requests that hit them. */
async function filledCache(bytes: number) {
  const cache = new HttpCache({ memory: { maxBytes: OBJECTS * (bytes + 4096) } });
  const requests = Array.from({ length: OBJECTS }, (_, i) => requestFor(i));
  for (const req of requests) {
    const c = cache.begin(req, { scheme: 'http' });
    await c.lookup();
    const decision = c.onUpstreamResponse(
      new ResponseHeader(200, 'OK', 'HTTP/1.1', new HeaderMap(originFields())),
    );
    if (decision.kind !== 'store') throw new Error(`expected store, got ${decision.kind}`);
    decision.writer.write(Buffer.alloc(bytes, 120));
    await decision.writer.finish();
    c.finish();
  }
  return { cache, requests };
}

/** The anchor's store: key -> { headers, body }, keyed like the cache (scheme, host, target). */
function filledMap(bytes: number) {
  const map = new Map<string, { headers: HeaderMap; body: Buffer }>();
  const requests = Array.from({ length: OBJECTS }, (_, i) => requestFor(i));
  for (const req of requests) {
    const key = `http://${req.headers.get('host')}${req.target}`;
    map.set(key, { headers: new HeaderMap(originFields()), body: Buffer.alloc(bytes, 120) });
  }
  return { map, requests };
}

/** One hit of ours: returns the served body length so nothing is optimised away. */
async function oursHit(cache: HttpCache, req: RequestHeader): Promise<number> {
  const c = cache.begin(req, { scheme: 'http' });
  const found = await c.lookup();
  c.finish();
  if (found.kind !== 'hit') throw new Error(`expected a hit, got ${found.kind}`);
  return found.response.body.length + found.response.head.status;
}

/** One hit of the anchor, async like ours (a storage lookup is async). */
async function anchorHit(
  map: Map<string, { headers: HeaderMap; body: Buffer }>,
  req: RequestHeader,
): Promise<number> {
  const entry = map.get(`http://${req.headers.get('host')}${req.target}`);
  if (entry === undefined) throw new Error('expected a hit');
  const headers = entry.headers.clone();
  headers.set('Age', '0');
  const head = new ResponseHeader(200, 'OK', 'HTTP/1.1', headers);
  return entry.body.length + head.status;
}

// Child mode: count heap bytes per hit for one candidate and one size, print JSON.
if (process.argv[2] === '--allocations') {
  const which = process.argv[3] as 'ours' | 'anchor';
  const bytes = SIZES[process.argv[4] as Size];
  const { PerformanceObserver } = await import('node:perf_hooks');
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  const ours = await filledCache(bytes);
  const anchor = filledMap(bytes);
  const hit =
    which === 'ours'
      ? (i: number) => oursHit(ours.cache, ours.requests[i % OBJECTS] as RequestHeader)
      : (i: number) => anchorHit(anchor.map, anchor.requests[i % OBJECTS] as RequestHeader);
  for (let i = 0; i < 20_000; i++) await hit(i); // warm up: optimised code
  // Collect the set-up garbage (100 MB of bodies weigh on external memory) now, not while counting.
  (globalThis as { gc?: () => void }).gc?.();
  const n = 20_000;
  observer.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) await hit(i);
  const after = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setTimeout(resolve, 10)); // let the observer report
  observer.disconnect();
  console.log(JSON.stringify({ bytesPerHit: Math.round((after - before) / n), collections }));
  process.exit(0);
}

function allocations(which: 'ours' | 'anchor', size: Size): number {
  for (let attempt = 0; attempt < 3; attempt++) {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--min-semi-space-size=256',
        '--max-semi-space-size=512',
        fileURLToPath(import.meta.url),
        '--allocations',
        which,
        size,
      ],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`allocation child failed: ${child.stderr}`);
    const result = JSON.parse(child.stdout) as { bytesPerHit: number; collections: number };
    // A collection during the count would make the difference meaningless: count again.
    if (result.collections === 0) return result.bytesPerHit;
  }
  throw new Error(`${which} ${size}: a GC ran while counting, three times`);
}

const BATCH = 20_000;
const rows = [];
for (const size of Object.keys(SIZES) as Size[]) {
  const bytes = SIZES[size];
  const ours = await filledCache(bytes);
  const anchor = filledMap(bytes);
  const rates = await compareOps(
    {
      ours: async () => {
        let sum = 0;
        for (let i = 0; i < BATCH; i++)
          sum += await oursHit(ours.cache, ours.requests[i % OBJECTS] as RequestHeader);
        return sum > 0 ? BATCH : 0;
      },
      [ANCHOR]: async () => {
        let sum = 0;
        for (let i = 0; i < BATCH; i++)
          sum += await anchorHit(anchor.map, anchor.requests[i % OBJECTS] as RequestHeader);
        return sum > 0 ? BATCH : 0;
      },
    },
    { rounds: 15, warmup: 3 },
  );
  rows.push(row(`hit lookups ${size}`, 'ops/s', rates.ours, ANCHOR, rates[ANCHOR]));
  rows.push(
    row(
      `heap bytes per hit ${size}`,
      'bytes',
      allocations('ours', size),
      ANCHOR,
      allocations('anchor', size),
      undefined,
      'lower',
    ),
  );
}
report('cache', 'hit-path', rows);
