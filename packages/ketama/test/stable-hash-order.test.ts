import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableHashOrder } from '../src/stable-hash-order.js';

describe('stableHashOrder', () => {
  it('sorts by hash and keeps the original order among equal hashes', () => {
    // Few distinct values make many ties; full-range values exercise both radix passes.
    const hash = fc.oneof(
      fc.constantFrom(0, 1, 0xffff, 0x10000, 0xffffffff),
      fc.nat(),
      fc.integer({ min: 0, max: 0xffffffff }),
    );
    fc.assert(
      fc.property(fc.array(hash, { maxLength: 200 }), (values) => {
        const order = stableHashOrder(Uint32Array.from(values));
        const expected = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
        expect([...order]).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('handles an empty input', () => {
    expect(stableHashOrder(new Uint32Array(0)).length).toBe(0);
  });
});
