// A 32-bit hash of a cache key for the frequency sketch. TinyUFO hashes keys with ahash; we
// only need a well-mixed 32-bit value per key, computed without allocation for the common key
// types (integers, floats, strings).

const floatView = new Float64Array(1);
const floatWords = new Int32Array(floatView.buffer);

/**
 * MurmurHash3's 32-bit finaliser (Austin Appleby, public domain): a bijection on 32 bits that
 * spreads every input bit over the whole word, so consecutive integer keys land far apart.
 * Returns a signed 32-bit integer: V8 keeps those unboxed (a value of 2^31 or more would be a
 * heap number, which measured 3x slower through the sketch).
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** FNV-1a over UTF-16 code units (FNV offset basis 2166136261, prime 16777619), then mixed. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return mix32(h ^ text.length);
}

/**
 * The default key hash: strings, numbers, bigints and booleans. Other key types (objects,
 * symbols) have no stable content to hash, so the cache asks for a `hashKey` option instead.
 *
 * @throws TypeError for keys of other types.
 */
export function defaultHashKey(key: unknown): number {
  switch (typeof key) {
    case 'number':
      if ((key | 0) === key) return mix32(key);
      floatView[0] = key;
      return mix32(floatWords[0]! ^ mix32(floatWords[1]!));
    case 'string':
      return hashString(key);
    case 'bigint':
      return hashString(`n${key.toString(36)}`);
    case 'boolean':
      return mix32(key ? 0x9e3779b9 : 0x7f4a7c15);
    default:
      throw new TypeError(
        `tinyufo: cannot hash a key of type ${typeof key}; pass options.hashKey for such keys`,
      );
  }
}
