import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../src/index.js';

describe('RestartBackoff', () => {
  it('doubles on quick crashes up to the cap, and starts over after a stable run', () => {
    const b = new RestartBackoff(100, 1000, 30_000);
    expect([10, 10, 10, 10, 10, 10].map((up) => b.nextDelay(up))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(b.nextDelay(30_000)).toBe(100);
    expect(b.nextDelay(5)).toBe(200);
  });

  it('always stays within [initial, max] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.integer({ min: 0, max: 60_000 }), { maxLength: 50 }),
        (initial, extra, uptimes) => {
          const b = new RestartBackoff(initial, initial + extra);
          for (const up of uptimes) {
            const d = b.nextDelay(up);
            expect(d).toBeGreaterThanOrEqual(initial);
            expect(d).toBeLessThanOrEqual(initial + extra);
          }
        },
      ),
    );
  });
});
