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
    buckets.take('fresh');
    expect(buckets.size).toBe(1);
    expect(buckets.tokens('ip-5')).toBe(2);
  });

  it('rejects bad options', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
