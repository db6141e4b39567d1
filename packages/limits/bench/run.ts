// Rate.observe, TokenBucket.take and Inflight incr+release per second, beside a plain
// Map<string, number> counter as the baseline (not a competitor: it is unbounded and keeps no
// time; no goal is set, the ratio is printed), and the heap that 1M distinct keys cost each.
// Run: pnpm --filter @pingora-ts/limits bench (node --expose-gc, for the heap figures).
import { Inflight, Rate, TokenBucket } from '@pingora-ts/limits';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const N = 1_000_000;
const keys = Array.from({ length: 10_000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
const rate = new Rate({ intervalMs: 1000 });
const buckets = new TokenBucket({ ratePerSecond: 1e9, burst: 1e9 });
const inflight = new Inflight();
const counts = new Map<string, number>();

const result = await compareOps(
  {
    observe: () => {
      for (let i = 0; i < N; i++) rate.observe(keys[i % keys.length]!);
      return N;
    },
    take: () => {
      for (let i = 0; i < N; i++) buckets.take(keys[i % keys.length]!);
      return N;
    },
    inflight: () => {
      for (let i = 0; i < N; i++) inflight.incr(keys[i % keys.length]!).release();
      return N;
    },
    'Map counter': () => {
      for (let i = 0; i < N; i++) {
        const k = keys[i % keys.length]!;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return N;
    },
  },
  { rounds: 9, warmup: 2 },
);

/**
 * Bytes (JS heap plus array buffers, where a sketch's counters live) retained by a structure
 * made and fed 1M distinct keys, after a full collection.
 */
function bytesForMillionKeys<T>(make: () => T, feed: (held: T, key: string) => void): number {
  gc();
  gc();
  const memory = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const before = memory();
  const held = make();
  for (let i = 0; i < N; i++) feed(held, `client-${i}`);
  gc();
  const bytes = memory() - before;
  if (held === undefined) throw new Error('lost it'); // keeps `held` alive until measured
  return bytes;
}
const rateBytes = bytesForMillionKeys(
  () => new Rate({ intervalMs: 60_000 }),
  (r, key) => r.observe(key),
);
const mapBytes = bytesForMillionKeys(
  () => new Map<string, number>(),
  (m, key) => m.set(key, (m.get(key) ?? 0) + 1),
);

const baseline = 'Map counter (baseline)';
report('limits', 'ops', [
  row('Rate.observe, 10k keys', 'ops/s', result.observe, baseline, result['Map counter']),
  row('TokenBucket.take, 10k keys', 'ops/s', result.take, baseline, result['Map counter']),
  row('Inflight incr+release, 10k keys', 'ops/s', result.inflight, baseline, result['Map counter']),
  row('memory after 1M distinct keys', 'bytes', rateBytes, baseline, mapBytes, undefined, 'lower'),
]);
