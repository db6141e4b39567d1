// CRC-32 as nginx's ngx_crc32 (src/core/ngx_crc32.c), zlib's crc32() and Rust's crc32fast
// compute it: the reflected IEEE 802.3 polynomial 0xEDB88320, register preset to all ones and
// inverted at the end (the "CRC-32/ISO-HDLC" of the CRC catalogue; check value of "123456789"
// is 0xCBF43926). Both the ring points and the key lookup of nginx's `hash ... consistent` use it.

/** The reflected IEEE polynomial (x^32 + x^26 + ... + 1, bit-reversed). */
const POLYNOMIAL = 0xedb88320;

/** Register value before the first byte (ngx_crc32_init) and the final XOR (ngx_crc32_final). */
export const CRC32_INIT = 0xffffffff;

function buildTables(): Int32Array {
  // Int32Array, not Uint32Array: every XOR in the hot loop yields an int32 anyway, and reading
  // int32 elements keeps V8 on small-integer arithmetic without float conversions.
  // Four tables back to back for slicing-by-4 (Kounavis and Berry, "A Systematic Approach to
  // Building High Performance Software-based CRC Generators", 2005): table k, at offset 256 * k,
  // is the register change of a byte followed by k zero bytes, so four input bytes cost four
  // independent lookups instead of a chain of four.
  const tables = new Int32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let k = 1; k < 4; k++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[256 * k + n] = c;
    }
  }
  return tables;
}

const TABLES = buildTables();

/** Byte-at-a-time lookup table: TABLE[b] is the register change for input byte b. */
export const CRC32_TABLE: Int32Array = TABLES.subarray(0, 256);

/**
 * Feeds `bytes[start..end)` into a CRC register (not yet inverted) and returns the new register.
 * Start from {@link CRC32_INIT}; finish with `~register >>> 0`.
 */
export function crc32UpdateBytes(
  register: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  const t = TABLES;
  let c = register | 0;
  let i = start;
  for (const last4 = end - 4; i <= last4; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c =
      t[768 + (c & 0xff)]! ^
      t[512 + ((c >>> 8) & 0xff)]! ^
      t[256 + ((c >>> 16) & 0xff)]! ^
      t[c >>> 24]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/**
 * Feeds the UTF-8 encoding of `text` into a CRC register without materialising the bytes.
 * Lone surrogates are encoded as U+FFFD (EF BF BD), exactly as `TextEncoder` and
 * `Buffer.from(text, 'utf8')` do, so a string key and its encoded bytes hash alike.
 */
export function crc32UpdateString(register: number, text: string): number {
  const table = TABLES;
  let c = register | 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let code = text.charCodeAt(i);
    if (i + 3 < length) {
      // Four ASCII characters at once (slicing-by-4), the common case for URLs and ids.
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      if ((code | c1 | c2 | c3) < 0x80) {
        c ^= code | (c1 << 8) | (c2 << 16) | (c3 << 24);
        c =
          table[768 + (c & 0xff)]! ^
          table[512 + ((c >>> 8) & 0xff)]! ^
          table[256 + ((c >>> 16) & 0xff)]! ^
          table[c >>> 24]!;
        i += 3;
        continue;
      }
    }
    if (code < 0x80) {
      c = table[(c ^ code) & 0xff]! ^ (c >>> 8);
      continue;
    }
    if (code < 0x800) {
      c = table[(c ^ (0xc0 | (code >> 6))) & 0xff]! ^ (c >>> 8);
      c = table[(c ^ (0x80 | (code & 0x3f))) & 0xff]! ^ (c >>> 8);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair: one code point above U+FFFF, four UTF-8 bytes.
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        c = table[(c ^ (0xf0 | (code >> 18))) & 0xff]! ^ (c >>> 8);
        c = table[(c ^ (0x80 | ((code >> 12) & 0x3f))) & 0xff]! ^ (c >>> 8);
        c = table[(c ^ (0x80 | ((code >> 6) & 0x3f))) & 0xff]! ^ (c >>> 8);
        c = table[(c ^ (0x80 | (code & 0x3f))) & 0xff]! ^ (c >>> 8);
        continue;
      }
      code = 0xfffd; // a lone surrogate, replaced as the WHATWG encoder does
    }
    c = table[(c ^ (0xe0 | (code >> 12))) & 0xff]! ^ (c >>> 8);
    c = table[(c ^ (0x80 | ((code >> 6) & 0x3f))) & 0xff]! ^ (c >>> 8);
    c = table[(c ^ (0x80 | (code & 0x3f))) & 0xff]! ^ (c >>> 8);
  }
  return c;
}

/**
 * CRC-32 (IEEE, as zlib and nginx compute it) of a byte array, or of a string's UTF-8 bytes.
 * This is the hash nginx applies to the `hash $key consistent` key before the ring lookup.
 *
 * @example
 * ```ts
 * crc32('123456789'); // 0xcbf43926
 * ```
 */
export function crc32(data: Uint8Array | string): number {
  const register =
    typeof data === 'string'
      ? crc32UpdateString(CRC32_INIT, data)
      : crc32UpdateBytes(CRC32_INIT, data, 0, data.length);
  return ~register >>> 0;
}
