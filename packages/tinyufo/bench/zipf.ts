// A seeded, deterministic Zipf sampler for the hit-ratio harness and the tests. Rust's
// rand_distr::Zipf (what TinyUFO's bench_hit_ratio.rs samples with) draws k in 1..=n with
// P(k) proportional to k^-s by rejection-inversion; over n = 10,000 keys a precomputed CDF and
// a binary search give exactly the same distribution, and are simple and fast.

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean), seeded
 * through splitmix32 so that any 32-bit seed gives a well-spread state.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Draws keys 1..n with P(k) proportional to k^-exponent. */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(n: number, exponent: number) {
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`zipf: n must be >= 1, got ${n}`);
    if (!(exponent > 0)) throw new RangeError(`zipf: exponent must be > 0, got ${exponent}`);
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let k = 1; k <= n; k++) {
      total += k ** -exponent;
      this.cdf[k - 1] = total;
    }
    for (let i = 0; i < n; i++) this.cdf[i]! /= total;
    this.cdf[n - 1] = 1;
  }

  /** The key for a uniform `u` in [0, 1): the first k whose cumulative probability exceeds u. */
  keyAt(u: number): number {
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  }
}

/** `count` Zipf-distributed keys in 1..n, the same for the same seed. */
export function zipfTrace(n: number, exponent: number, count: number, seed: number): Int32Array {
  const sampler = new ZipfSampler(n, exponent);
  const random = seededRandom(seed);
  const trace = new Int32Array(count);
  for (let i = 0; i < count; i++) trace[i] = sampler.keyAt(random());
  return trace;
}
