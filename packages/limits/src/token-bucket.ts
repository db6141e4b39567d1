import { type Clock, monotonicNow } from './clock.js';

/** Options of {@link TokenBucket}; defaults in {@link TOKEN_BUCKET_DEFAULTS}. */
export interface TokenBucketOptions {
  /** Tokens added per second to each key's bucket. */
  ratePerSecond: number;
  /** Most tokens a bucket holds (a new key starts full). */
  burst: number;
  /** How often (ms) idle buckets are swept, at most. */
  sweepIntervalMs?: number;
  /** Time source (ms). */
  clock?: Clock;
}

/** Defaults of {@link TokenBucketOptions}. */
export const TOKEN_BUCKET_DEFAULTS = { sweepIntervalMs: 10_000 } as const;

/** Answer of {@link TokenBucket.take}. */
export type TakeResult =
  | { allowed: true /** Tokens left after this take. */; remaining: number }
  | {
      allowed: false;
      /** Milliseconds until `n` tokens will be there (for Retry-After); Infinity if n > burst. */
      retryAfterMs: number;
    };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-key token buckets: each key may spend `burst` tokens at once and earns `ratePerSecond`
 * back. A bucket that has refilled to `burst` is the same as no bucket, so such idle buckets
 * are dropped by a sweep that runs at most every `sweepIntervalMs`: memory follows the keys
 * active within about `burst / ratePerSecond` seconds.
 *
 * @example
 * ```ts
 * const buckets = new TokenBucket({ ratePerSecond: 10, burst: 20 });
 * const r = buckets.take(apiKey);
 * if (!r.allowed) reply(429, { 'retry-after': Math.ceil(r.retryAfterMs / 1000) });
 * ```
 */
export class TokenBucket {
  private readonly buckets = new Map<string | number, Bucket>();
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly sweepIntervalMs: number;
  private readonly clock: Clock;
  private lastSweep: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('TokenBucket ratePerSecond must be > 0');
    if (!(options.burst >= 1)) throw new RangeError('TokenBucket burst must be >= 1');
    this.ratePerMs = options.ratePerSecond / 1000;
    this.burst = options.burst;
    this.sweepIntervalMs = options.sweepIntervalMs ?? TOKEN_BUCKET_DEFAULTS.sweepIntervalMs;
    this.clock = options.clock ?? monotonicNow;
    this.lastSweep = this.clock();
  }

  /** Number of buckets held (keys not yet swept). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `n` tokens from `key`'s bucket if it has them. */
  take(key: string | number, n = 1): TakeResult {
    if (!(n >= 0)) throw new RangeError(`TokenBucket n must be >= 0, got ${n}`);
    const now = this.clock();
    if (now - this.lastSweep >= this.sweepIntervalMs) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.ratePerMs);
      bucket.at = now;
    }
    if (bucket.tokens >= n) {
      bucket.tokens -= n;
      return { allowed: true, remaining: bucket.tokens };
    }
    if (n > this.burst) return { allowed: false, retryAfterMs: Number.POSITIVE_INFINITY };
    return { allowed: false, retryAfterMs: Math.ceil((n - bucket.tokens) / this.ratePerMs) };
  }

  /** Tokens `key` has now (`burst` for an unknown key). */
  tokens(key: string | number): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return this.burst;
    return Math.min(this.burst, bucket.tokens + (this.clock() - bucket.at) * this.ratePerMs);
  }

  /** Drops every bucket that has refilled to `burst`. Returns how many were dropped. */
  sweep(now = this.clock()): number {
    this.lastSweep = now;
    let dropped = 0;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.ratePerMs >= this.burst) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}
