import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rate } from '../src/index.js';

describe('Rate', () => {
  it('counts the current interval, then reports it as the previous one', () => {
    let now = 0;
    const rate = new Rate({ intervalMs: 1000, clock: () => now });
    for (let i = 1; i <= 30; i++) expect(rate.observe('a')).toBe(i);
    rate.observe('b', 5);
    expect(rate.currentCount('a')).toBe(30);
    expect(rate.previousRate('a')).toBe(0);
    now = 1000;
    expect(rate.previousRate('a')).toBe(30);
    expect(rate.currentCount('a')).toBe(0);
    expect(rate.rate('a')).toBe(30); // the whole previous interval is still in the window
    now = 1500;
    expect(rate.rate('a')).toBe(15); // half of it is
    rate.observe('a', 4);
    expect(rate.rate('a')).toBe(19);
    expect(rate.previousRate('b')).toBe(5);
    now = 3100; // two intervals later: both empty
    expect(rate.previousRate('a')).toBe(0);
    expect(rate.rate('a')).toBe(0);
  });

  it("stays within its sketches' bound over 1M distinct keys, in both intervals", () => {
    let now = 0;
    const epsilon = 1e-4;
    const delta = 0.01;
    const rate = new Rate({ intervalMs: 1000, sketch: { epsilon, delta }, clock: () => now });
    const KEYS = 1_000_000;
    // Every key once, and every 100th key 20 times more: N = 1.2M events.
    for (let i = 0; i < KEYS; i++) rate.observe(i * 7 + 3);
    for (let i = 0; i < KEYS; i += 100) rate.observe(i * 7 + 3, 20);
    const N = KEYS + (KEYS / 100) * 20;
    const truth = (i: number) => (i % 100 === 0 ? 21 : 1);
    const check = (estimate: (key: number) => number) => {
      let over = 0;
      let under = 0;
      for (let i = 0; i < KEYS; i++) {
        const error = estimate(i * 7 + 3) - truth(i);
        if (error < 0) under++;
        if (error > epsilon * N) over++;
      }
      expect(under).toBe(0);
      // Each key breaks the bound with probability at most delta.
      expect(over).toBeLessThanOrEqual(delta * KEYS);
    };
    check((key) => rate.currentCount(key));
    now = 1000;
    check((key) => rate.previousRate(key)); // per second = per interval here
  });

  it('scales to per second for other intervals', () => {
    let now = 0;
    const rate = new Rate({ intervalMs: 100, clock: () => now });
    rate.observe('k', 7);
    now = 100;
    expect(rate.previousRate('k')).toBe(70);
  });

  it('matches an exact sliding-window model for a few keys (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c', 1, 2),
            fc.integer({ min: 0, max: 700 }),
            fc.integer({ min: 1, max: 3 }),
          ),
          { maxLength: 100 },
        ),
        (steps) => {
          let now = 0;
          const rate = new Rate({ intervalMs: 1000, clock: () => now });
          const events: { key: string | number; at: number; n: number }[] = [];
          for (const [key, advance, n] of steps) {
            now += advance;
            rate.observe(key, n);
            events.push({ key, at: now, n });
            const start = Math.floor(now / 1000) * 1000;
            for (const k of ['a', 'b', 'c', 1, 2]) {
              const sum = (from: number, to: number) =>
                events
                  .filter((e) => e.key === k && e.at >= from && e.at < to)
                  .reduce((s, e) => s + e.n, 0);
              const current = sum(start, start + 1000);
              const previous = sum(start - 1000, start);
              expect(rate.currentCount(k)).toBe(current);
              expect(rate.previousRate(k)).toBe(previous);
              const expected = current + previous * (1 - (now - start) / 1000);
              expect(rate.rate(k)).toBeCloseTo(expected, 9);
            }
          }
        },
      ),
    );
  });
});
