import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/index.js';

describe('TokenBucket', () => {
  it('allows a burst, then answers the time until the next token', () => {
    let now = 0;
    const buckets = new TokenBucket({ ratePerSecond: 10, burst: 3, clock: () => now });
    expect(buckets.take('k')).toEqual({ allowed: true, remaining: 2 });
    expect(buckets.take('k', 2)).toEqual({ allowed: true, remaining: 0 });
    expect(buckets.take('k')).toEqual({ allowed: false, retryAfterMs: 100 });
    now = 40;
    expect(buckets.take('k')).toEqual({ allowed: false, retryAfterMs: 60 });
    now = 100;
    expect(buckets.take('k')).toMatchObject({ allowed: true });
    expect(buckets.take('k', 4)).toEqual({
      allowed: false,
      retryAfterMs: Number.POSITIVE_INFINITY,
    });
    expect(buckets.take('other')).toEqual({ allowed: true, remaining: 2 });
  });

  it('never exceeds rate * time + burst over a long run', () => {
    let now = 0;
    const buckets = new TokenBucket({ ratePerSecond: 50, burst: 10, clock: () => now });
    let allowed = 0;
    for (let i = 0; i < 100_000; i++) {
      now += 1; // 100 s in 1 ms steps, one attempt each
      if (buckets.take('k').allowed) allowed++;
    }
    expect(allowed).toBeLessThanOrEqual(50 * 100 + 10);
    expect(allowed).toBeGreaterThanOrEqual(50 * 100 - 1);
  });

  it('drops buckets that have refilled, so memory follows the active keys', () => {
    let now = 0;
    const buckets = new TokenBucket({
      ratePerSecond: 1,
      burst: 2,
      sweepIntervalMs: 1000,
      clock: () => now,
    });
    for (let i = 0; i < 10_000; i++) buckets.take(`ip-${i}`);
    expect(buckets.size).toBe(10_000);
    now = 1000; // each bucket had 1 token left; after 1 s it is full again
    // The pass is spread over the takes that follow, 8 buckets each.
    let takes = 0;
    while (buckets.size > 1 && takes < 10_000) {
      buckets.take('fresh');
      takes++;
    }
    expect(buckets.size).toBe(1);
    expect(takes).toBeGreaterThan(1_000);
    expect(takes).toBeLessThanOrEqual(Math.ceil(10_001 / 8) + 1);
    expect(buckets.tokens('ip-5')).toBe(2);
    // sweep() does a whole pass at once.
    for (let i = 0; i < 100; i++) buckets.take(`late-${i}`);
    now = 3000;
    expect(buckets.sweep()).toBe(101);
    expect(buckets.size).toBe(0);
  });

  it('keeps sweeping while keys keep arriving, and keeps the ones still in debt', () => {
    let now = 0;
    const buckets = new TokenBucket({
      ratePerSecond: 1,
      burst: 1,
      sweepIntervalMs: 0,
      clock: () => now,
    });
    // One new key per ms, each spending its token: a key is in debt for 1 s, then full.
    for (let i = 0; i < 20_000; i++) {
      now = i;
      expect(buckets.take(`k-${i}`).allowed).toBe(true);
      // The 1000 keys in debt, plus the refilled keys the pass has not reached yet: a pass
      // over ~1000 buckets takes ~1000 / 7 takes (8 examined, 1 added), so at most ~143 more.
      expect(buckets.size).toBeLessThanOrEqual(1_000 + Math.ceil(1_200 / 7) + 8);
    }
    expect(buckets.tokens('k-19999')).toBe(0);
    expect(buckets.take('k-19999')).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('holds at most maxBuckets, pushing out the oldest', () => {
    const now = 0;
    const buckets = new TokenBucket({
      ratePerSecond: 1,
      burst: 5,
      maxBuckets: 3,
      clock: () => now,
    });
    for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) buckets.take(key, 5);
    expect(buckets.size).toBe(3);
    expect(buckets.tokens('k0')).toBe(5); // forgotten: starts full again
    expect(buckets.tokens('k4')).toBe(0);
    expect(buckets.take('k4')).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('earns nothing and loses nothing when the clock steps back', () => {
    let now = 10_000;
    const buckets = new TokenBucket({ ratePerSecond: 1, burst: 2, clock: () => now });
    buckets.take('k', 2);
    now = 5_000;
    expect(buckets.take('k')).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(buckets.tokens('k')).toBe(0);
  });

  it('answers a retry-after that is exact, and never allows more than rate * time + burst (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            advance: fc.nat(3_000),
            key: fc.constantFrom('a', 'b'),
            n: fc.integer({ min: 0, max: 25 }),
          }),
          { maxLength: 60 },
        ),
        (ratePerSecond, burst, steps) => {
          let now = 0;
          const buckets = new TokenBucket({ ratePerSecond, burst, clock: () => now });
          const taken = { a: 0, b: 0 };
          for (const { advance, key, n } of steps) {
            now += advance;
            const before = buckets.tokens(key);
            const result = buckets.take(key, n);
            if (result.allowed) {
              expect(before).toBeGreaterThanOrEqual(n);
              expect(result.remaining).toBeCloseTo(before - n, 9);
              taken[key] += n;
            } else if (n > burst) {
              expect(result.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
            } else {
              // Denied: not enough now, nor one ms before the answer; enough at the answer.
              const r = result.retryAfterMs;
              expect(r).toBeGreaterThan(0);
              expect(buckets.tokens(key)).toBeLessThan(n);
              now += r - 1;
              expect(buckets.tokens(key)).toBeLessThan(n);
              now += 1;
              expect(buckets.tokens(key)).toBeGreaterThanOrEqual(n - 2e-9);
              now -= r;
            }
            // Nobody gets more than the burst plus what the rate earned since the start.
            expect(taken[key]).toBeLessThanOrEqual(burst + (ratePerSecond * now) / 1000 + 1e-6);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects bad options', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 1, maxBuckets: 0 })).toThrow(
      RangeError,
    );
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 1 }).take('k', -1)).toThrow(RangeError);
  });
});
