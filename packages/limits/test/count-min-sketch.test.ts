import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountMinSketch } from '../src/index.js';

describe('CountMinSketch', () => {
  it('sizes itself from epsilon and delta', () => {
    const s = new CountMinSketch({ epsilon: 1e-4, delta: 0.01 });
    expect(s.width).toBeGreaterThanOrEqual(Math.ceil(Math.E / 1e-4));
    expect(s.depth).toBe(Math.ceil(Math.log(100)));
    expect(() => new CountMinSketch({ epsilon: 0, delta: 0.1 })).toThrow(RangeError);
    expect(() => new CountMinSketch({ width: 0, depth: 1 })).toThrow(RangeError);
  });

  it('refuses counts that could make an estimate fall below the truth', () => {
    const s = new CountMinSketch({ width: 16, depth: 2 });
    s.add('k', 3);
    expect(() => s.add('k', -1)).toThrow(RangeError);
    expect(() => s.add('k', 0.5)).toThrow(RangeError);
    expect(() => s.add('k', Number.NaN)).toThrow(RangeError);
    expect(s.estimate('k')).toBe(3);
    expect(s.total).toBe(3);
  });

  it('stays within epsilon * N for all but delta of 1M distinct keys, never under', () => {
    const epsilon = 1e-4;
    const delta = 0.01;
    const sketch = new CountMinSketch({ epsilon, delta });
    const KEYS = 1_000_000;
    // 1M keys seen once, plus 1,000 heavy keys seen 100 times each.
    for (let i = 0; i < KEYS; i++) sketch.add(`client-${i}`);
    for (let r = 0; r < 100; r++) for (let i = 0; i < 1000; i++) sketch.add(`heavy-${i}`);
    const bound = epsilon * sketch.total;
    let over = 0;
    let under = 0;
    for (let i = 0; i < KEYS; i++) {
      const error = sketch.estimate(`client-${i}`) - 1;
      if (error < 0) under++;
      if (error > bound) over++;
    }
    for (let i = 0; i < 1000; i++) {
      const error = sketch.estimate(`heavy-${i}`) - 100;
      if (error < 0) under++;
      if (error > bound) over++;
    }
    expect(sketch.total).toBe(KEYS + 100_000);
    expect(under).toBe(0);
    expect(over / (KEYS + 1000)).toBeLessThanOrEqual(delta);
  });

  it('never underestimates, and is exact without collisions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), fc.integer({ min: 1, max: 5 })), {
          maxLength: 200,
        }),
        (events) => {
          const sketch = new CountMinSketch({ width: 64, depth: 3 });
          const truth = new Map<string | number, number>();
          for (const [key, n] of events) {
            sketch.add(key, n);
            truth.set(key, (truth.get(key) ?? 0) + n);
          }
          for (const [key, count] of truth)
            expect(sketch.estimate(key)).toBeGreaterThanOrEqual(count);
          const wide = new CountMinSketch({ width: 1 << 16, depth: 4 });
          const few = [...truth].slice(0, 8);
          for (const [key, count] of few) wide.add(key, count);
          for (const [key, count] of few) expect(wide.estimate(key)).toBe(count);
        },
      ),
    );
  });
});
