import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, TinyUfo } from '../src/index.js';
import { ReferenceTinyUfo } from './reference-model.js';

type Op =
  | { op: 'get' | 'remove' | 'peek'; key: number }
  | { op: 'put' | 'forcePut'; key: number; value: number; weight: number };

const op = (keys: number, maxWeight: number): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({
      op: fc.constantFrom('get' as const, 'remove' as const, 'peek' as const),
      key: fc.nat(keys),
    }),
    fc.record({
      op: fc.constantFrom('put' as const, 'put' as const, 'put' as const, 'forcePut' as const),
      key: fc.nat(keys),
      value: fc.integer(),
      // Quarters too: sums of them are exact in floating point, like the model's.
      weight: fc.oneof(
        fc.integer({ min: 1, max: maxWeight }),
        fc.integer({ min: 1, max: 4 * maxWeight }).map((quarters) => quarters / 4),
      ),
    }),
  );

describe('TinyUfo against a reference model', () => {
  it('answers every get/peek/put/forcePut/remove like the model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.constantFrom(DEFAULTS.ghostShare, 0, 0.1, 0.5),
        fc.array(op(40, 5), { maxLength: 400, size: 'max' }),
        (limit, ghostShare, ops) => {
          const cache = new TinyUfo<number, number>({ weightLimit: limit, ghostShare });
          const model = new ReferenceTinyUfo<number, number>(limit, ghostShare);
          for (const o of ops) {
            switch (o.op) {
              case 'get':
                expect(cache.get(o.key)).toBe(model.get(o.key));
                break;
              case 'peek':
                expect(cache.peek(o.key)).toBe(model.peek(o.key));
                expect(cache.has(o.key)).toBe(model.peek(o.key) !== undefined);
                break;
              case 'remove':
                expect(cache.remove(o.key)).toBe(model.remove(o.key));
                break;
              default: {
                const force = o.op === 'forcePut';
                const got = force
                  ? cache.forcePut(o.key, o.value, o.weight)
                  : cache.put(o.key, o.value, o.weight);
                expect([...got]).toEqual(model.put(o.key, o.value, o.weight, force));
              }
            }
            expect(cache.size).toBe(model.size);
            expect(cache.weight).toBe(model.weight);
            expect(cache.weight).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never holds more than its weight limit and returns every value it drops', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 1, max: 8 })), {
          maxLength: 600,
          size: 'max',
        }),
        (limit, puts) => {
          const cache = new TinyUfo<number, string>({ weightLimit: limit });
          const live = new Map<number, string>();
          puts.forEach(([key, weight], i) => {
            const value = `${key}@${i}`;
            live.set(key, value);
            for (const gone of cache.put(key, value, weight)) {
              expect(live.get(gone.key)).toBe(gone.value);
              live.delete(gone.key);
            }
            expect(cache.weight).toBeLessThanOrEqual(limit);
          });
          // Whatever was not returned as evicted is still there, with its latest value.
          expect(cache.size).toBe(live.size);
          for (const [key, value] of live) expect(cache.peek(key)).toBe(value);
        },
      ),
      { numRuns: 200 },
    );
  });
});
