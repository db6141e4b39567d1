import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inflight } from '../src/index.js';

describe('Inflight', () => {
  it('releases exactly once per guard', () => {
    const inflight = new Inflight();
    const a = inflight.incr('up');
    const b = inflight.incr('up', 2);
    expect(inflight.count('up')).toBe(3);
    expect(a.release()).toBe(true);
    expect(a.release()).toBe(false);
    expect(inflight.count('up')).toBe(2);
    {
      using _c = inflight.incr('up');
      expect(inflight.count('up')).toBe(3);
    }
    expect(inflight.count('up')).toBe(2);
    b.release();
    expect(inflight.count('up')).toBe(0);
    expect(inflight.keys).toBe(0);
    expect(b.isHeld).toBe(false);
    expect(() => inflight.incr('x', 0)).toThrow(RangeError);
  });

  it('counts match the guards still held, whatever the order of releases (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ incr: fc.constantFrom('a', 'b', 'c') }),
            fc.record({ release: fc.nat(50) }),
          ),
        ),
        (ops) => {
          const inflight = new Inflight();
          const guards: { key: string; guard: ReturnType<Inflight['incr']>; held: boolean }[] = [];
          for (const op of ops) {
            if ('incr' in op)
              guards.push({ key: op.incr, guard: inflight.incr(op.incr), held: true });
            else if (op.release < guards.length) {
              const g = guards[op.release]!;
              expect(g.guard.release()).toBe(g.held);
              g.held = false;
            }
            for (const key of ['a', 'b', 'c']) {
              expect(inflight.count(key)).toBe(
                guards.filter((g) => g.key === key && g.held).length,
              );
            }
          }
        },
      ),
    );
  });
});
