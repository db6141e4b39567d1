import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Validator } from '../src/index.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

/** The reference: a strict decoder over the whole message. */
function isUtf8Model(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Feeds `bytes` in pieces cut at `cuts`; false as soon as a piece fails. */
function validateInPieces(bytes: Uint8Array, cuts: number[]): boolean {
  const v = new Utf8Validator();
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    if (!v.push(bytes.subarray(from, to))) return false;
    from = to;
  }
  return v.end();
}

// Valid text with every sequence length, and byte soup that is mostly invalid.
const text = fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s, 'utf8'));
const nearText = fc
  .tuple(text, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
  .map(([bytes, edits]) => {
    const copy = Buffer.from(bytes);
    for (const [at, value] of edits) if (copy.length > 0) copy[at % copy.length] = value;
    return copy;
  });

describe('Utf8Validator', () => {
  it('agrees with a strict decoder however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.oneof(text, nearText, fc.uint8Array({ maxLength: 20 })),
        fc.array(fc.nat(), { maxLength: 6 }),
        (bytes, cuts) => {
          expect(validateInPieces(bytes, cuts)).toBe(isUtf8Model(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('fails fast on a prefix that can never become valid', () => {
    const v = new Utf8Validator();
    // ED A0 starts a surrogate (U+D800): invalid before the third byte arrives.
    expect(v.push(Buffer.from([0x61, 0xed]))).toBe(true);
    expect(v.push(Buffer.from([0xa0]))).toBe(false);
    const w = new Utf8Validator();
    expect(w.push(Buffer.from([0xf4, 0x90]))).toBe(false); // above U+10FFFF
  });

  it('rejects a message that ends inside a sequence', () => {
    const v = new Utf8Validator();
    expect(v.push(Buffer.from([0xe2, 0x82]))).toBe(true);
    expect(v.end()).toBe(false);
  });
});
