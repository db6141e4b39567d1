import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../src/index.js';

/** Byte-at-a-time reference straight from the FNV-1a definition. */
function reference(bytes: Uint8Array): number {
  let h = 2166136261n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 16777619n) & 0xffffffffn;
  return Number(h);
}

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv, test_fnv.c).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes strings as their UTF-8 bytes (astral, BMP, lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const bytes = new TextEncoder().encode(s);
        expect(fnv1a32(s)).toBe(reference(bytes));
        expect(fnv1a32(bytes)).toBe(reference(bytes));
      }),
    );
    expect(fnv1a32('\ud800x')).toBe(reference(new TextEncoder().encode('\ud800x')));
  });
});
