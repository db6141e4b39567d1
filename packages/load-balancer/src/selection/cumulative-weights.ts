import type { Backend } from '../backend.js';

/**
 * Running sums of the weights: backend i owns the range [sums[i-1], sums[i]). Used to map a
 * number in [0, total) to a backend with probability proportional to its weight.
 */
export class CumulativeWeights {
  readonly sums: Float64Array;
  readonly total: number;

  constructor(backends: readonly Backend[]) {
    this.sums = new Float64Array(backends.length);
    let total = 0;
    for (let i = 0; i < backends.length; i++) {
      total += backends[i]!.weight;
      this.sums[i] = total;
    }
    this.total = total;
  }

  /** The backend index whose range holds `point` (0 <= point < total): binary search. */
  find(point: number): number {
    const sums = this.sums;
    let lo = 0;
    let hi = sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sums[mid]! <= point) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
