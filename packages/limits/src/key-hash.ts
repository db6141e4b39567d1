/**
 * Two independent 32-bit hashes of a key (string or number), from which a count-min sketch
 * derives one column per row as `h1 + row * h2` (Kirsch and Mitzenmacher, "Less hashing, same
 * performance", 2006). FNV-1a over UTF-16 code units for h1, a murmur3-style mix for h2.
 */
export function hashKey(key: string | number, out: Uint32Array): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  if (typeof key === 'number') {
    // Integers hash by value; other numbers by their text.
    if (Number.isInteger(key) && Math.abs(key) < 2 ** 31) {
      h1 = Math.imul(h1 ^ (key & 0xffff), 0x01000193);
      h1 = Math.imul(h1 ^ (key >>> 16), 0x01000193);
      h2 = mix(h2 ^ key);
    } else {
      hashKey(String(key), out);
      return;
    }
  } else {
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
  }
  out[0] = mix(h1);
  // h2 must be odd so that the rows' columns differ for every h1 (power-of-two widths).
  out[1] = mix(h2 ^ 0x5bd1e995) | 1;
}

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
