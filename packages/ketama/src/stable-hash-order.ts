// The order nginx puts ring points in. ngx_http_upstream_init_chash sorts the points with
// ngx_qsort (libc qsort) comparing the hash only, then keeps the FIRST point of each run of
// equal hashes. glibc's qsort is a merge sort whenever it can allocate its buffer (always for
// rings of any realistic size), so it is stable: among equal hashes the point generated first,
// i.e. the server listed first in the upstream block, wins. We reproduce that with a stable
// LSD radix sort, which is also O(n) where a comparison sort of 100k+ points is not.

const RADIX_BITS = 16;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;

/**
 * Returns the permutation that sorts `hashes` ascending, stable (equal hashes keep their
 * original relative order): `order[k]` is the position in `hashes` of the k-th smallest.
 */
export function stableHashOrder(hashes: Uint32Array): Uint32Array {
  const n = hashes.length;
  let from = new Uint32Array(n);
  let to = new Uint32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  const counts = new Uint32Array(RADIX);
  // Two counting-sort passes, low 16 bits then high 16 bits; each pass is stable, so the
  // result is ordered by the full 32-bit hash and then by original position.
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(hashes[i]! >>> shift) & RADIX_MASK]!++;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const position = from[i]!;
      to[counts[(hashes[position]! >>> shift) & RADIX_MASK]!++] = position;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  return from;
}
