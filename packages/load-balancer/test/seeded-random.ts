/** mulberry32: a small seeded PRNG, so statistical tests give the same draws every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pearson's chi-square statistic of observed counts against expected shares. With k - 1 degrees
 * of freedom, values above the 99.9th percentile (e.g. 13.8 for 2, 16.3 for 3) reject the fit.
 */
export function chiSquare(observed: readonly number[], expectedShares: readonly number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  const shareSum = expectedShares.reduce((a, b) => a + b, 0);
  let chi = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (total * expectedShares[i]!) / shareSum;
    chi += (observed[i]! - expected) ** 2 / expected;
  }
  return chi;
}
