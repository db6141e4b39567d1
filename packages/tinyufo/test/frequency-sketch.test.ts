import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHashKey, FrequencySketch, sketchBlocks } from '../src/index.js';

describe('sketchBlocks', () => {
  it('gives a power of two of 64-byte blocks with at least 16 counters per item', () => {
    expect(sketchBlocks(1)).toBe(1);
    expect(sketchBlocks(4)).toBe(1);
    expect(sketchBlocks(5)).toBe(2);
    expect(sketchBlocks(10_000)).toBe(4096);
    expect(new FrequencySketch(1_000_000).byteLength).toBe(262_144 * 64);
    for (const items of [1, 7, 100, 12_345, 1_000_000]) {
      expect(sketchBlocks(items) * 64).toBeGreaterThanOrEqual(16 * items);
    }
  });
});

describe('FrequencySketch', () => {
  it('counts exactly while keys do not collide, then ages by halving every counter', () => {
    const sketch = new FrequencySketch(1); // window of 8 increments
    const one = defaultHashKey(1);
    expect(sketch.estimate(one)).toBe(0);
    expect(sketch.increment(one)).toBe(1);
    expect(sketch.increment(one)).toBe(2);
    expect(sketch.estimate(one)).toBe(2);
    for (let i = 0; i < 6; i++) sketch.increment(one);
    expect(sketch.estimate(one)).toBe(8);
    // The 9th increment first halves every counter (8 -> 4), then counts: 5.
    expect(sketch.increment(one)).toBe(5);
    // Aging again after 8 more increments: 13 -> 6, then counts: 7.
    for (let i = 0; i < 8; i++) sketch.increment(one);
    expect(sketch.estimate(one)).toBe(13);
    expect(sketch.increment(one)).toBe(7);
  });

  it('saturates its counters at 15 without disturbing the neighbours', () => {
    const sketch = new FrequencySketch(100); // window 800: no aging below
    const key = defaultHashKey('hot');
    const others = Array.from({ length: 50 }, (_, i) => defaultHashKey(`cold-${i}`));
    const before = others.map((h) => sketch.estimate(h));
    for (let i = 0; i < 300; i++) expect(sketch.increment(key)).toBe(Math.min(15, i + 1));
    expect(sketch.estimate(key)).toBe(15);
    // A saturated counter must not carry into the next nibble of its word.
    expect(others.map((h) => sketch.estimate(h))).toEqual(before);
  });

  it('never estimates below the true count within a window (count-min property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(500), { maxLength: 800, size: 'max' }), (keys) => {
        const sketch = new FrequencySketch(100); // window 800 >= increments: no aging
        const truth = new Map<number, number>();
        for (const key of keys) {
          const count = (truth.get(key) ?? 0) + 1;
          truth.set(key, count);
          expect(sketch.increment(defaultHashKey(key))).toBeGreaterThanOrEqual(Math.min(15, count));
        }
        for (const [key, count] of truth) {
          expect(sketch.estimate(defaultHashKey(key))).toBeGreaterThanOrEqual(Math.min(15, count));
        }
      }),
    );
  });

  it('uses every block of a large sketch (the block comes from all the bits of the hash)', () => {
    const sketch = new FrequencySketch(1_000_000); // 262,144 blocks, window of 8M: no aging
    for (let key = 0; key < 200_000; key++) sketch.increment(defaultHashKey(key));
    // 200k keys over 262k blocks leave about e^(-200/262) = 47% of the blocks empty, and
    // the used ones spread over the whole range.
    const counters = (sketch as unknown as { counters: Uint8Array }).counters;
    let used = 0;
    let lastUsed = 0;
    for (let block = 0; block < 262_144; block++) {
      if (counters.subarray(block * 64, block * 64 + 64).some((c) => c > 0)) {
        used++;
        lastUsed = block;
      }
    }
    expect(used).toBeGreaterThan(130_000);
    expect(used).toBeLessThan(145_000);
    expect(lastUsed).toBeGreaterThan(262_000);
  });

  it('catches a block up on every aging it missed', () => {
    const sketch = new FrequencySketch(8); // 2 blocks, a window of 64 increments
    const blockOf = (key: number): number =>
      (sketch as unknown as { blockOf(h: number): number }).blockOf(defaultHashKey(key));
    const a = 1;
    let b = 2;
    while (blockOf(b) === blockOf(a)) b++;
    for (let i = 0; i < 15; i++) sketch.increment(defaultHashKey(a));
    // Three agings pass while only b's block is touched: a's 15 becomes 7, 3, then 1.
    for (let i = 0; i < 3 * 65 - 15; i++) sketch.increment(defaultHashKey(b));
    expect(sketch.estimate(defaultHashKey(a))).toBe(1);
    for (let i = 0; i < 5 * 65; i++) sketch.increment(defaultHashKey(b));
    expect(sketch.estimate(defaultHashKey(a))).toBe(0);
  });

  it('ages lazily block by block exactly as halving the whole sketch at once would', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(60), { minLength: 1, maxLength: 400, size: 'max' }), (keys) => {
        const sketch = new FrequencySketch(8); // 2 blocks, a window of 64 increments
        const truth = new Map<number, number>(); // exact counts, aged the eager way
        let window = 0;
        for (const key of keys) {
          if (window++ === 64) {
            window = 0;
            for (const [k, c] of truth) truth.set(k, Math.floor(c / 2));
          }
          truth.set(key, Math.min(15, (truth.get(key) ?? 0) + 1));
          sketch.increment(defaultHashKey(key));
        }
        // Count-min over exact per-key counts can only overestimate; with 61 keys on 128
        // counters collisions happen, so compare against the eager model of the same sketch.
        for (const key of truth.keys()) {
          expect(sketch.estimate(defaultHashKey(key))).toBe(eagerEstimate(keys, key));
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** The same sketch with eager aging: replays `keys` on raw counters, halving all of them. */
function eagerEstimate(keys: number[], probe: number): number {
  const sketch = new FrequencySketch(8);
  const raw = sketch as unknown as { counters: Uint8Array; blockOf(h: number): number };
  const counters = raw.counters;
  const rowIndex = (key: number): number[] => {
    const h = defaultHashKey(key);
    const base = raw.blockOf(h) * 64;
    return [0, 1, 2, 3].map((row) => base + row * 16 + ((h >>> (row * 4)) & 15));
  };
  let window = 0;
  for (const key of keys) {
    if (window++ === 64) {
      window = 0;
      for (let i = 0; i < counters.length; i++) counters[i] = counters[i]! >> 1;
    }
    for (const at of rowIndex(key)) counters[at] = Math.min(15, counters[at]! + 1);
  }
  return Math.min(...rowIndex(probe).map((at) => counters[at]!));
}
