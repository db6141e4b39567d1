// The published hit ratios of Rust TinyUFO and of the `lru` crate, in percent, from the table
// in Pingora's tinyufo/benches/bench_hit_ratio.rs (10,000 keys, 5,000,000 Zipf requests,
// get-then-put-on-miss). The issue quotes the 0.9, 1.0 and 1.1 rows and lru at 1.0; the same
// table also holds 1.05, 1.5 and lru for every row, which we hold ourselves to as well.

/** Zipf exponents of the published table, in its order. */
export const EXPONENTS = [0.9, 1.0, 1.05, 1.1, 1.5] as const;
/** Cache sizes as a share of the 10,000 keys, in the table's order. */
export const SIZES = [0.005, 0.01, 0.05, 0.1, 0.25] as const;

/** Published Rust TinyUFO hit ratio (%) per exponent, one figure per size. */
export const PUBLISHED_TINYUFO: Readonly<Record<string, readonly number[]>> = {
  '0.9': [33.22, 40.0, 57.75, 66.28, 78.49],
  '1': [45.08, 52.17, 68.77, 75.91, 85.28],
  '1.05': [51.09, 58.33, 73.85, 80.16, 88.13],
  '1.1': [57.15, 64.17, 78.52, 84.01, 90.59],
  '1.5': [89.64, 92.89, 97.22, 98.23, 99.1],
};

/** Published hit ratio (%) of the Rust `lru` crate (exact LRU) in the same runs. */
export const PUBLISHED_LRU: Readonly<Record<string, readonly number[]>> = {
  '0.9': [19.12, 26.14, 45.55, 55.62, 71.15],
  '1': [30.94, 39.02, 58.68, 67.6, 79.94],
  '1.05': [37.53, 45.96, 64.97, 73.04, 83.72],
  '1.1': [44.33, 52.85, 70.9, 78.07, 87.05],
  '1.5': [85.2, 89.79, 96.01, 97.49, 98.81],
};
