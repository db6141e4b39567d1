import { type Clock, monotonicNow } from './clock.js';

/** Options of {@link TokenBucket}; defaults in {@link TOKEN_BUCKET_DEFAULTS}. */
export interface TokenBucketOptions {
  /** Tokens added per second to each key's bucket. */
  ratePerSecond: number;
  /** Most tokens a bucket holds (a new key starts full). */
  burst: number;
  /**
   * Pause (ms) between passes that drop refilled buckets. A pass is spread over the takes that
   * follow, a few buckets each, so that no single take pays for walking every bucket.
   */
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

/**
 * Buckets a take examines while a sweep pass is under way: more than the one bucket a take can
 * add, so a pass always ends, and small enough that a take stays O(1).
 */
const SWEEP_STEP = 8;

/** Shortfall (in tokens) below which a bucket counts as holding enough. */
const TOKEN_EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-key token buckets: each key may spend `burst` tokens at once and earns `ratePerSecond`
 * back. A bucket that has refilled to `burst` is the same as no bucket, so such idle buckets
 * are dropped by sweep passes, each spread over the takes that follow (a few buckets per take)
 * and started `sweepIntervalMs` after the last one ended: memory follows the keys active within
 * about `burst / ratePerSecond` seconds, and never exceeds `maxBuckets`.
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
  /** Where the sweep pass under way has got to; undefined between passes. */
  private cursor: Iterator<[string | number, Bucket]> | undefined = undefined;
  private nextSweep: number;

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
    this.nextSweep = this.clock() + sweepIntervalMs;
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
    if (this.cursor !== undefined || now >= this.nextSweep) this.sweepStep(now);
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

  /**
   * Drops every bucket that has refilled to `burst`, all at once (takes do this a few buckets
   * at a time by themselves). Returns how many were dropped.
   */
  sweep(now = this.clock()): number {
    this.cursor = undefined;
    this.nextSweep = now + this.sweepIntervalMs;
    let dropped = 0;
    for (const [key, bucket] of this.buckets) {
      if (this.isFull(bucket, now)) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  private isFull(bucket: Bucket, now: number): boolean {
    return bucket.tokens + Math.max(0, now - bucket.at) * this.ratePerMs >= this.burst;
  }

  /** Advances the sweep pass by a few buckets (a Map iterator survives deletes and inserts). */
  private sweepStep(now: number): void {
    this.cursor ??= this.buckets.entries();
    for (let i = 0; i < SWEEP_STEP; i++) {
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        this.nextSweep = now + this.sweepIntervalMs;
        return;
      }
      const [key, bucket] = next.value;
      if (this.isFull(bucket, now)) this.buckets.delete(key);
    }
  }

  /** Drops the bucket created first: a Map iterates in insertion order. */
  private evictOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
