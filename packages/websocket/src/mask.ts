import { endianness } from 'node:os';

// Word-wise XOR reads the mask as a little-endian 32-bit integer; on a big-endian host the
// byte loop is used throughout.
const IS_LITTLE_ENDIAN = endianness() === 'LE';

/** Below this many bytes a byte loop beats building a Uint32Array view. */
const WORD_THRESHOLD = 64;

/**
 * XORs `buf` in place with the 4-byte masking key `mask` (RFC 6455 5.3), starting at key
 * position `phase` (0-3, for a payload unmasked in several pieces). Masking and unmasking are
 * the same operation. Long payloads go 32 bits at a time over the aligned middle of the buffer.
 */
export function applyMask(buf: Uint8Array, mask: Uint8Array, phase = 0): void {
  const length = buf.length;
  const m0 = mask[phase & 3]!;
  const m1 = mask[(phase + 1) & 3]!;
  const m2 = mask[(phase + 2) & 3]!;
  const m3 = mask[(phase + 3) & 3]!;
  if (length < WORD_THRESHOLD || !IS_LITTLE_ENDIAN) {
    let i = 0;
    for (const end = length - 3; i < end; i += 4) {
      buf[i] = buf[i]! ^ m0;
      buf[i + 1] = buf[i + 1]! ^ m1;
      buf[i + 2] = buf[i + 2]! ^ m2;
      buf[i + 3] = buf[i + 3]! ^ m3;
    }
    if (i < length) buf[i] = buf[i]! ^ m0;
    if (i + 1 < length) buf[i + 1] = buf[i + 1]! ^ m1;
    if (i + 2 < length) buf[i + 2] = buf[i + 2]! ^ m2;
    return;
  }
  // Bytes before the first 4-byte aligned address, then words, then the tail.
  const head = (4 - (buf.byteOffset & 3)) & 3;
  const key = [m0, m1, m2, m3];
  for (let i = 0; i < head; i++) buf[i] = buf[i]! ^ key[i]!;
  const k0 = key[head & 3]!;
  const k1 = key[(head + 1) & 3]!;
  const k2 = key[(head + 2) & 3]!;
  const k3 = key[(head + 3) & 3]!;
  const word = (k0 | (k1 << 8) | (k2 << 16) | (k3 << 24)) >>> 0;
  const words = (length - head) >>> 2;
  const view = new Uint32Array(buf.buffer, buf.byteOffset + head, words);
  for (let i = 0; i < words; i++) view[i] = view[i]! ^ word;
  for (let i = head + words * 4; i < length; i++) buf[i] = buf[i]! ^ key[i & 3]!;
}
