import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHashKey } from '../src/index.js';

describe('defaultHashKey', () => {
  it('is a deterministic signed 32-bit hash of strings, numbers, bigints and booleans', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.double(), fc.integer(), fc.bigInt(), fc.boolean()),
        (key) => {
          const h = defaultHashKey(key);
          expect(h | 0).toBe(h);
          expect(defaultHashKey(key)).toBe(h);
        },
      ),
    );
  });

  it('spreads consecutive integers and short strings (no collisions over 100k of each)', () => {
    const ints = new Set<number>();
    const strings = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      ints.add(defaultHashKey(i));
      strings.add(defaultHashKey(`key-${i}`));
    }
    expect(ints.size).toBe(100_000);
    // 100k random 32-bit values collide about once (birthday bound); allow a few.
    expect(strings.size).toBeGreaterThan(99_990);
  });

  it('refuses keys it cannot hash by content', () => {
    expect(() => defaultHashKey({})).toThrow(TypeError);
    expect(() => defaultHashKey(Symbol('s'))).toThrow(/hashKey/);
    expect(() => defaultHashKey(undefined)).toThrow(TypeError);
  });
});
