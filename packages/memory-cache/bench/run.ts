// MemoryCache lookups vs the naive alternative, a Map of { value, expiresAt } with the same
// expiry check: what the TinyUFO store and the status objects cost on the hit path.
// Run: pnpm --filter @pingora-ts/memory-cache bench
import { MemoryCache } from '@pingora-ts/memory-cache';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const SIZE = 10_000;
const OPS = 1_000_000;

const cache = new MemoryCache<number, number>({ weightLimit: SIZE, defaultTtlMs: 60_000 });
const naive = new Map<number, { value: number; expiresAt: number }>();
const now = performance.now();
for (let i = 0; i < SIZE; i++) {
  cache.put(i, i);
  naive.set(i, { value: i, expiresAt: now + 60_000 });
}
let seed = 1;
const keys = new Int32Array(OPS);
for (let i = 0; i < OPS; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  keys[i] = seed % SIZE;
}

const getHit = await compareOps(
  {
    ours: () => {
      let hits = 0;
      for (let i = 0; i < OPS; i++) if (cache.get(keys[i]!).status === 'hit') hits++;
      return OPS + hits * 0;
    },
    'Map + expiry': () => {
      let hits = 0;
      for (let i = 0; i < OPS; i++) {
        const entry = naive.get(keys[i]!);
        if (entry !== undefined && performance.now() < entry.expiresAt) hits++;
      }
      return OPS + hits * 0;
    },
  },
  { rounds: 7, warmup: 2 },
);

const LOADS = 200_000;
const getOrLoadHit = await compareOps(
  {
    ours: async () => {
      for (let i = 0; i < LOADS; i++) await cache.getOrLoad(keys[i]!, (k) => k);
      return LOADS;
    },
    'Map + expiry': async () => {
      const load = async (k: number) => {
        const entry = naive.get(k);
        if (entry !== undefined && performance.now() < entry.expiresAt) return entry.value;
        return k;
      };
      for (let i = 0; i < LOADS; i++) await load(keys[i]!);
      return LOADS;
    },
  },
  { rounds: 7, warmup: 2 },
);

report('memory-cache', 'lookup', [
  row('get hit 10k', 'ops/s', getHit.ours, 'Map + expiry', getHit['Map + expiry']),
  row(
    'getOrLoad hit 10k',
    'ops/s',
    getOrLoadHit.ours,
    'Map + expiry',
    getOrLoadHit['Map + expiry'],
  ),
]);
