import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GhostQueue, ghostBucket } from '../src/index.js';

describe('GhostQueue', () => {
  it('remembers a hash for `capacity` evictions, and forgets it once taken', () => {
    const ghost = new GhostQueue(3);
    ghost.remember(10);
    ghost.remember(20);
    ghost.remember(30);
    expect(ghost.take(10)).toBe(true);
    expect(ghost.take(10)).toBe(false);
    // A taken ghost still counts among the last `capacity` evictions (it is a FIFO of them).
    ghost.remember(40);
    ghost.remember(50); // 20 is now the 4th most recent eviction: past the capacity of 3
    expect(ghost.take(20)).toBe(false);
    expect(ghost.take(30)).toBe(true);
    expect(ghost.take(99)).toBe(false);
    ghost.clear();
    expect(ghost.take(40)).toBe(false);
  });

  it('takes the low bits of the (already mixed) hash as the bucket', () => {
    expect([0, 5, 64, 69, -1].map((hash) => ghostBucket(hash, 63))).toEqual([0, 5, 0, 5, 63]);
  });

  it('never invents a ghost, and forgets early only on a shared bucket (FIFO model)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -30, max: 30 })), {
          maxLength: 300,
          size: 'max',
        }),
        (capacity, ops) => {
          const ghost = new GhostQueue(capacity);
          const mask = 15; // GhostQueue(<= 8) has 16 buckets (2 per key, at least 16)
          // The last `capacity` evictions, most recent last.
          const fifo: { hash: number; isTaken: boolean }[] = [];
          for (const [isRemember, hash] of ops) {
            if (isRemember) {
              ghost.remember(hash);
              fifo.push({ hash, isTaken: false });
              if (fifo.length > capacity) fifo.shift();
              continue;
            }
            const at = fifo.findLastIndex((e) => e.hash === hash);
            const entry = fifo[at];
            // A later eviction in the same bucket (taken since or not) overwrote it.
            const isShadowed = fifo
              .slice(at + 1)
              .some((e) => ghostBucket(e.hash, mask) === ghostBucket(hash, mask));
            const expected = entry !== undefined && !entry.isTaken && !isShadowed;
            expect(ghost.take(hash)).toBe(expected);
            if (expected) entry.isTaken = true;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
