import { type Clock, monotonicNow } from './clock.js';
import { CountMinSketch, type SketchSize } from './count-min-sketch.js';

/** Options of {@link Rate}; defaults in {@link RATE_DEFAULTS}. */
export interface RateOptions {
  /** Length of one interval in milliseconds. */
  intervalMs?: number;
  /** Size of each of the two sketches. */
  sketch?: SketchSize;
  /** Time source (ms). */
  clock?: Clock;
}

/** Defaults of {@link RateOptions}: 1 s intervals, 4 rows of 4096 counters (2 x 64 KiB). */
export const RATE_DEFAULTS = {
  intervalMs: 1000,
  sketch: { width: 4096, depth: 4 } as SketchSize,
} as const;

/**
 * Events per key over a sliding interval, in bounded memory whatever the number of keys: two
 * count-min sketches, the current interval's and the previous one's, rotated as time passes.
 *
 * - `observe(key)` counts an event and returns the key's estimate in the current interval.
 * - `rate(key)` is the sliding-window estimate, per second: the current interval's count plus
 *   the previous interval's count weighted by the part of the previous interval that still lies
 *   inside a window of one interval ending now, divided by the interval in seconds.
 * - `previousRate(key)` is the last complete interval's count per second.
 *
 * Estimates never undercount (a sketch only overestimates, by the bound of its size).
 *
 * @example
 * ```ts
 * const rate = new Rate({ intervalMs: 1000 });
 * if (rate.observe(clientIp) > 100) reject(429);
 * ```
 */
export class Rate {
  /** Interval length in milliseconds. */
  readonly intervalMs: number;
  private current: CountMinSketch;
  private previous: CountMinSketch;
  private start: number;
  private readonly clock: Clock;

  constructor(options: RateOptions = {}) {
    this.intervalMs = options.intervalMs ?? RATE_DEFAULTS.intervalMs;
    if (!(this.intervalMs > 0)) throw new RangeError(`Rate intervalMs must be > 0`);
    const size = options.sketch ?? RATE_DEFAULTS.sketch;
    this.current = new CountMinSketch(size);
    this.previous = new CountMinSketch(size);
    this.clock = options.clock ?? monotonicNow;
    this.start = this.clock();
  }

  /** Counts `n` events of `key` now; returns the key's estimate in the current interval. */
  observe(key: string | number, n = 1): number {
    this.rotate();
    return this.current.add(key, n);
  }

  /** Sliding-window events per second of `key` (see the class description). */
  rate(key: string | number): number {
    const now = this.rotate();
    const elapsed = (now - this.start) / this.intervalMs;
    const count = this.current.estimate(key) + this.previous.estimate(key) * (1 - elapsed);
    return (count * 1000) / this.intervalMs;
  }

  /** Events per second of `key` in the last complete interval. */
  previousRate(key: string | number): number {
    this.rotate();
    return (this.previous.estimate(key) * 1000) / this.intervalMs;
  }

  /** Estimate of `key` in the current interval. */
  currentCount(key: string | number): number {
    this.rotate();
    return this.current.estimate(key);
  }

  private rotate(): number {
    const now = this.clock();
    const passed = Math.floor((now - this.start) / this.intervalMs);
    if (passed >= 1) {
      const old = this.previous;
      this.previous = this.current;
      this.current = old;
      this.current.reset();
      // More than one interval without events: the previous one was empty too.
      if (passed >= 2) this.previous.reset();
      this.start += passed * this.intervalMs;
    }
    return now;
  }
}
