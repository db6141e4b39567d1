// Rate.observe and TokenBucket.take per second, beside a plain Map<string, number> counter as
// the baseline (not a competitor: it is unbounded and keeps no time). Run:
// pnpm --filter @pingora-ts/limits bench
import { Rate, TokenBucket } from '@pingora-ts/limits';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const N = 1_000_000;
const keys = Array.from({ length: 10_000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
const rate = new Rate({ intervalMs: 1000 });
const buckets = new TokenBucket({ ratePerSecond: 1e9, burst: 1e9 });
const counts = new Map<string, number>();

const result = await compareOps({
  observe: () => {
    for (let i = 0; i < N; i++) rate.observe(keys[i % keys.length]!);
    return N;
  },
  take: () => {
    for (let i = 0; i < N; i++) buckets.take(keys[i % keys.length]!);
    return N;
  },
  'Map counter': () => {
    for (let i = 0; i < N; i++) {
      const k = keys[i % keys.length]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return N;
  },
});
report('limits', 'ops', [
  row(
    'Rate.observe, 10k keys',
    'ops/s',
    result.observe,
    'Map counter (baseline)',
    result['Map counter'],
  ),
  row(
    'TokenBucket.take, 10k keys',
    'ops/s',
    result.take,
    'Map counter (baseline)',
    result['Map counter'],
  ),
]);
