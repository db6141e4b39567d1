// Bytes allocated on the JavaScript heap per cache hit (lookup and the served head), in a
// process started with a young generation large enough that no collection runs meanwhile.
// Run by run.ts: node --expose-gc --max-semi-space-size=64 bench/hit-allocations.ts
import { PerformanceObserver } from 'node:perf_hooks';
import { HttpCache } from '@pingora-ts/cache';
import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';

const cache = new HttpCache();
const request = () =>
  new RequestHeader(
    'GET',
    '/asset.css',
    'HTTP/1.1',
    new HeaderMap([
      ['Host', 'bench.test'],
      ['Accept', '*/*'],
    ]),
  );
const first = cache.begin(request(), { scheme: 'http' });
await first.lookup();
const decision = first.onUpstreamResponse(
  new ResponseHeader(
    200,
    'OK',
    'HTTP/1.1',
    new HeaderMap([
      ['Cache-Control', 'max-age=3600'],
      ['Content-Type', 'text/css'],
    ]),
  ),
);
if (decision.kind === 'store') {
  decision.writer.write(Buffer.alloc(1024, 120));
  await decision.writer.finish();
}
first.finish();
const req = request();
const hit = async () => {
  const c = cache.begin(req, { scheme: 'http' });
  const found = await c.lookup();
  if (found.kind !== 'hit') throw new Error(`expected a hit, got ${found.kind}`);
  c.finish();
};
for (let i = 0; i < 20_000; i++) await hit(); // warm up (optimised code)
// Count collections during the measured loop: the figure only holds when none ran.
let collections = 0;
const observer = new PerformanceObserver((list) => {
  collections += list.getEntries().length;
});

const n = 2_000;
(globalThis as { gc?: () => void }).gc?.(); // start from an empty young generation
observer.observe({ entryTypes: ['gc'] });
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < n; i++) await hit();
const after = process.memoryUsage().heapUsed;
await new Promise((r) => setTimeout(r, 10)); // let the observer report
observer.disconnect();
console.log(JSON.stringify({ bytesPerHit: Math.round((after - before) / n), collections }));
