import { hashKey } from './key-hash.js';

/** Size of a {@link CountMinSketch}: from error bounds, or given directly. */
export type SketchSize =
  | {
      /** Relative error: estimates exceed the truth by at most `epsilon * total`... */
      epsilon: number;
      /** ...except with this probability, per key. */
      delta: number;
    }
  | {
      /** Counters per row (rounded up to a power of two). */
      width: number;
      /** Rows (independent hashes). */
      depth: number;
    };

/**
 * A count-min sketch (Cormode and Muthukrishnan, 2005): `depth` rows of `width` counters. An
 * estimate is the minimum of a key's counter in each row, so it never underestimates, and with
 * `width = ceil(e / epsilon)` and `depth = ceil(ln(1 / delta))` it overestimates by more than
 * `epsilon * total` with probability at most `delta`. Memory is fixed whatever the key count.
 */
export class CountMinSketch {
  /** Counters per row (rounded up to a power of two). */
  readonly width: number;
  /** Rows. */
  readonly depth: number;
  private readonly counters: Uint32Array;
  private readonly mask: number;
  private readonly hashes = new Uint32Array(2);
  private sum = 0;

  constructor(size: SketchSize) {
    let width: number;
    let depth: number;
    if ('epsilon' in size) {
      if (!(size.epsilon > 0 && size.epsilon < 1) || !(size.delta > 0 && size.delta < 1)) {
        throw new RangeError(`CountMinSketch epsilon and delta must be in (0, 1)`);
      }
      width = Math.ceil(Math.E / size.epsilon);
      depth = Math.ceil(Math.log(1 / size.delta));
    } else {
      width = size.width;
      depth = size.depth;
    }
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(depth) || depth < 1) {
      throw new RangeError(`CountMinSketch width and depth must be positive integers`);
    }
    let w = 1;
    while (w < width) w <<= 1;
    this.width = w;
    this.depth = depth;
    this.mask = w - 1;
    this.counters = new Uint32Array(w * depth);
  }

  /** Total of every increment since the last reset (the N of the error bound). */
  get total(): number {
    return this.sum;
  }

  /**
   * Adds `n` (a non-negative integer) to `key`; returns the key's new estimate. Negative counts
   * are refused: they would let an estimate fall below the truth.
   */
  add(key: string | number, n = 1): number {
    if (!(Number.isInteger(n) && n >= 0)) {
      throw new RangeError(`CountMinSketch n must be a non-negative integer, got ${n}`);
    }
    hashKey(key, this.hashes);
    const h1 = this.hashes[0]!;
    const h2 = this.hashes[1]!;
    let min = 0xffffffff;
    for (let row = 0; row < this.depth; row++) {
      const i = row * this.width + ((h1 + row * h2) & this.mask);
      // Saturate rather than wrap: an estimate must never fall.
      const v = Math.min(this.counters[i]! + n, 0xffffffff);
      this.counters[i] = v;
      if (v < min) min = v;
    }
    this.sum += n;
    return min;
  }

  /** The estimate of `key`: at least its true count. */
  estimate(key: string | number): number {
    hashKey(key, this.hashes);
    const h1 = this.hashes[0]!;
    const h2 = this.hashes[1]!;
    let min = 0xffffffff;
    for (let row = 0; row < this.depth; row++) {
      const v = this.counters[row * this.width + ((h1 + row * h2) & this.mask)]!;
      if (v < min) min = v;
    }
    return min;
  }

  /** Sets every counter to zero. */
  reset(): void {
    this.counters.fill(0);
    this.sum = 0;
  }
}
