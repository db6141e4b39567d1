import { type Clock, monotonicNow } from './clock.js';

/** Options of {@link TokenBucket}; defaults in {@link TOKEN_BUCKET_DEFAULTS}. */
export interface TokenBucketOptions {
  /** Tokens added per second to each key's bucket. */
  ratePerSecond: number;
  /** Most tokens a bucket holds (a new key starts full). */
  burst: number;
  /** How often (ms) idle buckets are swept, at most. */
  sweepIntervalMs?: number;
  /**
   * Most buckets held at once. Past it, a new key first pushes out the oldest bucket (by
   * creation), which then starts full again if its key returns: memory stays bounded under a
   * flood of distinct keys, at the price of forgetting the oldest keys' debts.
   */
  maxBuckets?: number;
  /** Time source (ms). */
  clock?: Clock;
}

/** Defaults of {@link TokenBucketOptions}: a sweep at most every 10 s, at most 1M buckets. */
export const TOKEN_BUCKET_DEFAULTS = { sweepIntervalMs: 10_000, maxBuckets: 1_000_000 } as const;

/** Answer of {@link TokenBucket.take}. */
export type TakeResult =
  | {
      allowed: true;
      /** Tokens left after this take. */
      remaining: number;
    }
  | {
      allowed: false;
      /** Milliseconds until `n` tokens will be there (for Retry-After); Infinity if n > burst. */
      retryAfterMs: number;
    };

/** Shortfall (in tokens) below which a bucket counts as holding enough. */
const TOKEN_EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-key token buckets: each key may spend `burst` tokens at once and earns `ratePerSecond`
 * back. A bucket that has refilled to `burst` is the same as no bucket, so such idle buckets
 * are dropped by a sweep that runs at most every `sweepIntervalMs` (on a `take`): memory follows
 * the keys active within about `burst / ratePerSecond` seconds, and never exceeds `maxBuckets`.
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
  private readonly maxBuckets: number;
  private readonly clock: Clock;
  private lastSweep: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0 && Number.isFinite(options.ratePerSecond))) {
      throw new RangeError('TokenBucket ratePerSecond must be a finite number > 0');
    }
    if (!(options.burst >= 1 && Number.isFinite(options.burst))) {
      throw new RangeError('TokenBucket burst must be a finite number >= 1');
    }
    const maxBuckets = options.maxBuckets ?? TOKEN_BUCKET_DEFAULTS.maxBuckets;
    if (!(Number.isInteger(maxBuckets) && maxBuckets >= 1)) {
      throw new RangeError('TokenBucket maxBuckets must be an integer >= 1');
    }
    const sweepIntervalMs = options.sweepIntervalMs ?? TOKEN_BUCKET_DEFAULTS.sweepIntervalMs;
    if (!(sweepIntervalMs >= 0)) throw new RangeError('TokenBucket sweepIntervalMs must be >= 0');
    this.ratePerMs = options.ratePerSecond / 1000;
    this.burst = options.burst;
    this.sweepIntervalMs = sweepIntervalMs;
    this.maxBuckets = maxBuckets;
    this.clock = options.clock ?? monotonicNow;
    this.lastSweep = this.clock();
  }

  /** Number of buckets held (keys not yet swept). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes `n` tokens from `key`'s bucket if it has them; otherwise takes nothing and answers
   * how long until it would have them.
   */
  take(key: string | number, n = 1): TakeResult {
    if (!(n >= 0)) throw new RangeError(`TokenBucket n must be >= 0, got ${n}`);
    const now = this.clock();
    if (now - this.lastSweep >= this.sweepIntervalMs) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.evictOldest();
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else if (now > bucket.at) {
      // Only forward: a clock that steps back earns nothing and loses nothing.
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.ratePerMs);
      bucket.at = now;
    }
    // Tokens accrue as floating-point fractions: a bucket 1e-9 short of `n` is counted as full,
    // so that the retry-after below is exact (not a millisecond late from rounding noise) and a
    // client that waits exactly that long is let through.
    if (bucket.tokens >= n - TOKEN_EPSILON) {
      bucket.tokens = Math.max(0, bucket.tokens - n);
      return { allowed: true, remaining: bucket.tokens };
    }
    if (n > this.burst) return { allowed: false, retryAfterMs: Number.POSITIVE_INFINITY };
    const wait = (n - TOKEN_EPSILON - bucket.tokens) / this.ratePerMs;
    return { allowed: false, retryAfterMs: Math.ceil(wait) };
  }

  /** Tokens `key` has now (`burst` for an unknown key). */
  tokens(key: string | number): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return this.burst;
    const earned = Math.max(0, this.clock() - bucket.at) * this.ratePerMs;
    return Math.min(this.burst, bucket.tokens + earned);
  }

  /** Drops every bucket that has refilled to `burst`. Returns how many were dropped. */
  sweep(now = this.clock()): number {
    this.lastSweep = now;
    let dropped = 0;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + Math.max(0, now - bucket.at) * this.ratePerMs >= this.burst) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops the bucket created first: a Map iterates in insertion order. */
  private evictOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
