import { isUtf8 } from 'node:buffer';

/** Bytes a sequence with this lead byte needs in all; 0 for bytes that cannot lead (RFC 3629 4). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * True when `bytes` (1 to 3 bytes, starting with a lead byte) can still grow into a valid
 * sequence: the second byte's range depends on the lead (RFC 3629 4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), later ones are continuation bytes.
 */
function isValidPrefix(bytes: Uint8Array, length: number): boolean {
  const lead = bytes[0]!;
  if (sequenceLength(lead) <= length) return false;
  if (length >= 2) {
    const b = bytes[1]!;
    let lo = 0x80;
    let hi = 0xbf;
    if (lead === 0xe0) lo = 0xa0;
    else if (lead === 0xed) hi = 0x9f;
    else if (lead === 0xf0) lo = 0x90;
    else if (lead === 0xf4) hi = 0x8f;
    if (b < lo || b > hi) return false;
  }
  if (length >= 3 && (bytes[2]! & 0xc0) !== 0x80) return false;
  return true;
}

/**
 * Incremental UTF-8 validation of a text message that arrives in pieces (fragments, or
 * inflated chunks), failing as soon as the bytes so far cannot start valid UTF-8
 * (RFC 6455 8.1: an endpoint may fail fast). The complete part of each piece goes through
 * Node's native `isUtf8`; at most three bytes of an unfinished sequence are carried over.
 */
export class Utf8Validator {
  private readonly carry = new Uint8Array(4);
  private carried = 0;

  /** Forgets any carried bytes (a new message). */
  reset(): void {
    this.carried = 0;
  }

  /** Validates the next piece; false when the text so far is not a prefix of valid UTF-8. */
  push(piece: Uint8Array): boolean {
    let start = 0;
    const length = piece.length;
    if (this.carried > 0) {
      // Complete the sequence carried over from the previous piece.
      const need = sequenceLength(this.carry[0]!) - this.carried;
      const take = Math.min(need, length);
      for (let i = 0; i < take; i++) this.carry[this.carried++] = piece[i]!;
      start = take;
      if (take < need) return isValidPrefix(this.carry, this.carried);
      const ok = isUtf8(this.carry.subarray(0, this.carried));
      this.carried = 0;
      if (!ok) return false;
    }
    // Find a sequence cut off at the end: look back at most 3 bytes for a lead byte.
    let end = length;
    for (let i = length - 1; i >= start && i >= length - 3; i--) {
      const b = piece[i]!;
      if ((b & 0xc0) === 0x80) continue; // continuation byte
      if (b >= 0x80 && sequenceLength(b) > length - i) end = i;
      break;
    }
    if (end > start && !isUtf8(piece.subarray(start, end))) return false;
    if (end < length) {
      for (let i = end; i < length; i++) this.carry[this.carried++] = piece[i]!;
      return isValidPrefix(this.carry, this.carried);
    }
    return true;
  }

  /** True when the message ended on a sequence boundary; resets for the next message. */
  end(): boolean {
    const ok = this.carried === 0;
    this.carried = 0;
    return ok;
  }
}

/** Whole-buffer validation (an unfragmented text message or a close reason). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return bytes.length === 0 || isUtf8(bytes);
}
