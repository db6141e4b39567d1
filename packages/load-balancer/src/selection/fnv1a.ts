/**
 * 32-bit FNV-1a (Fowler, Noll, Vo; draft-eastlake-fnv): offset basis 2166136261, prime
 * 16777619. Strings are hashed as their UTF-8 bytes, encoded on the fly.
 */
export function fnv1a32(key: string | Uint8Array): number {
  let h = 0x811c9dc5;
  if (typeof key !== 'string') {
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
    return h >>> 0;
  }
  // ASCII (nearly every path and host) hashes one char code per byte in a tight loop.
  const length = key.length;
  let i = 0;
  for (; i < length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return i === length ? h >>> 0 : hashUtf8Tail(key, i, h);
}

/** Continues the hash from index `start` of `key`, encoding UTF-8 on the fly. */
function hashUtf8Tail(key: string, start: number, hash: number): number {
  let h = hash;
  for (let i = start; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < key.length) {
      const low = key.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // Lone surrogates encode as U+FFFD, as TextEncoder does.
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), 0x01000193);
    } else {
      if (c < 0x10000) {
        h = Math.imul(h ^ (0xe0 | (c >> 12)), 0x01000193);
      } else {
        h = Math.imul(h ^ (0xf0 | (c >> 18)), 0x01000193);
        h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), 0x01000193);
      }
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
    }
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
  }
  return h >>> 0;
}
