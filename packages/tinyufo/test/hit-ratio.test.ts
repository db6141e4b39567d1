import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { ZipfSampler, zipfTrace } from '../bench/zipf.js';
import { TinyUfo } from '../src/index.js';

// A small slice of the hit-ratio harness (bench/hit-ratio.ts), so that CI guards the property
// the package exists for: on a Zipf workload TinyUFO keeps clearly more hits than exact LRU.
function hits(trace: Int32Array, cache: { get(k: number): unknown; set(k: number): void }): number {
  let count = 0;
  for (const key of trace) {
    if (cache.get(key) !== undefined) count++;
    else cache.set(key);
  }
  return count;
}

describe('hit ratio on a Zipf trace', () => {
  for (const [exponent, share] of [
    [1.0, 0.01],
    [0.9, 0.05],
  ] as const) {
    it(`beats exact LRU by over 5 points (zipf ${exponent}, cache ${share * 100}% of 10k keys)`, () => {
      const trace = zipfTrace(10_000, exponent, 200_000, 42);
      const size = share * 10_000;
      const ufo = new TinyUfo<number, boolean>({ weightLimit: size });
      const lru = new LRUCache<number, boolean>({ max: size });
      const ours = hits(trace, { get: (k) => ufo.get(k), set: (k) => ufo.put(k, true) });
      const exact = hits(trace, { get: (k) => lru.get(k), set: (k) => lru.set(k, true) });
      expect((ours - exact) / trace.length).toBeGreaterThan(0.05);
    });
  }

  it('samples Zipf keys deterministically with the expected head probability', () => {
    expect(zipfTrace(10_000, 1, 1000, 7)).toEqual(zipfTrace(10_000, 1, 1000, 7));
    expect(zipfTrace(10_000, 1, 1000, 7)).not.toEqual(zipfTrace(10_000, 1, 1000, 8));
    const trace = zipfTrace(10_000, 1, 200_000, 1);
    const ones = trace.filter((k) => k === 1).length / trace.length;
    // P(1) = 1 / H(10000) = 1 / 9.7876 = 0.1022 for exponent 1.
    expect(ones).toBeGreaterThan(0.099);
    expect(ones).toBeLessThan(0.105);
    const sampler = new ZipfSampler(3, 1);
    expect([0, 0.5, 0.6, 0.99].map((u) => sampler.keyAt(u))).toEqual([1, 1, 2, 3]);
  });
});
