import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHashKey, FrequencySketch, sketchBlocks } from '../src/index.js';

describe('sketchBlocks', () => {
  it('gives a power of two of 64-byte blocks with at least 16 counters per item', () => {
    expect(sketchBlocks(1)).toBe(1);
    expect(sketchBlocks(8)).toBe(1);
    expect(sketchBlocks(9)).toBe(2);
    expect(sketchBlocks(10_000)).toBe(2048);
    expect(new FrequencySketch(1_000_000).byteLength).toBe(131_072 * 64);
    for (const items of [1, 7, 100, 12_345, 1_000_000]) {
      expect(sketchBlocks(items) * 128).toBeGreaterThanOrEqual(16 * items);
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

  it('saturates its 4-bit counters at 15 without disturbing the neighbours', () => {
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
      fc.property(fc.array(fc.nat(500), { maxLength: 800 }), (keys) => {
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
});
