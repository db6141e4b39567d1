// Builds keys whose CRC-32 is a chosen value, so tests can land a lookup exactly on a point (or
// one below it). CRC-32 is affine in its input, and four appended bytes can steer the register
// to any value: walk back from the wanted register through the table entries whose top byte
// matches (the top bytes of the 256 entries are all distinct), then forward from the prefix's
// register to find the bytes that select those entries.
import { CRC32_INIT, CRC32_TABLE, crc32UpdateBytes } from '../src/crc32.js';

const topByteIndex = new Uint8Array(256);
for (let i = 0; i < 256; i++) topByteIndex[CRC32_TABLE[i]! >>> 24] = i;

/** Four bytes that, appended to `prefix`, make the CRC-32 of the whole equal `target`. */
export function forgeSuffix(prefix: Uint8Array, target: number): Uint8Array {
  const indices = new Uint8Array(4);
  let r = ~target >>> 0;
  for (let k = 3; k >= 0; k--) {
    const i = topByteIndex[r >>> 24]!;
    indices[k] = i;
    r = ((r ^ CRC32_TABLE[i]!) << 8) >>> 0;
  }
  let c = crc32UpdateBytes(CRC32_INIT, prefix, 0, prefix.length);
  const suffix = new Uint8Array(4);
  for (let k = 0; k < 4; k++) {
    suffix[k] = (c ^ indices[k]!) & 0xff;
    c = CRC32_TABLE[indices[k]!]! ^ (c >>> 8);
  }
  return suffix;
}

/** Bytes that fit raw in a query argument value: visible, not `#`, `&`, `%` or `+`. */
export function isQuerySafe(byte: number): boolean {
  return (
    byte > 0x20 && byte !== 0x7f && byte !== 0x23 && byte !== 0x25 && byte !== 0x26 && byte !== 0x2b
  );
}

/**
 * A key (raw bytes, every one query-safe) whose CRC-32 is `target`: `<label>-<n>` plus four
 * forged bytes, trying n = 0, 1, ... until the forged bytes are all query-safe (about half the
 * time each, so a few tries).
 */
export function forgeKey(label: string, target: number): Uint8Array {
  for (let n = 0; n < 1000; n++) {
    const prefix = Buffer.from(`${label}-${n}`, 'latin1');
    const suffix = forgeSuffix(prefix, target);
    if (suffix.every(isQuerySafe)) return Buffer.concat([prefix, suffix]);
  }
  throw new Error(`no query-safe key found for ${target}`);
}
