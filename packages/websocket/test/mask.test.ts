import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMask } from '../src/index.js';

/** The reference: RFC 6455 5.3, byte i XOR key[(phase + i) mod 4]. */
function maskModel(bytes: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return bytes.map((b, i) => b ^ key[(phase + i) & 3]!);
}

describe('applyMask', () => {
  it('matches the byte-wise definition at every offset, length and phase', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 3 }),
        (bytes, key, offset, phase) => {
          // A view at an unaligned offset exercises the head/word/tail split.
          const backing = Buffer.alloc(offset + bytes.length);
          const view = backing.subarray(offset);
          view.set(bytes);
          applyMask(view, key, phase);
          expect(Buffer.from(view)).toEqual(Buffer.from(maskModel(bytes, key, phase)));
          expect(backing.subarray(0, offset).every((b) => b === 0)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is its own inverse', () => {
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    const data = Buffer.from('Hello, a somewhat longer payload that takes the word-wise path!!');
    const copy = Buffer.from(data);
    applyMask(copy, key);
    expect(copy.equals(data)).toBe(false);
    applyMask(copy, key);
    expect(copy.equals(data)).toBe(true);
  });

  it('masks the RFC 6455 5.7 example ("Hello" with key 37 fa 21 3d)', () => {
    const hello = Buffer.from('Hello');
    applyMask(hello, Uint8Array.of(0x37, 0xfa, 0x21, 0x3d));
    expect(hello).toEqual(Buffer.from([0x7f, 0x9f, 0x4d, 0x51, 0x58]));
  });
});
