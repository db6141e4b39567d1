import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, TimeoutError, TimerWheel, withTimeout } from '../src/index.js';

function manualWheel(tickMs = 10, slots = 64) {
  const clock = new ManualClock(1_000);
  const wheel = new TimerWheel({ tickMs, slots, clock, scheduler: clock });
  return { clock, wheel };
}

describe('TimerWheel', () => {
  it('fires no earlier than the deadline and within one tick', () => {
    const { clock, wheel } = manualWheel(10);
    const fired: number[] = [];
    wheel.deadline(25, () => fired.push(clock.now()));
    clock.advance(24);
    expect(fired).toEqual([]);
    clock.advance(100);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(1_025);
    expect(fired[0]).toBeLessThan(1_035);
  });

  it('keeps one underlying timer, and none once nothing is pending', () => {
    const { clock, wheel } = manualWheel(10);
    const handles = Array.from({ length: 1000 }, (_, i) => wheel.deadline(10 + i, () => {}));
    expect(clock.armed).toBe(1);
    for (const h of handles) h.cancel();
    expect(wheel.pending).toBe(0);
    clock.advance(10); // the next tick sees nothing pending and does not re-arm
    expect(clock.armed).toBe(0);
  });

  it('passes over deadlines more than one revolution away until their turn', () => {
    const { clock, wheel } = manualWheel(10, 8); // one revolution = 80 ms
    const fired: number[] = [];
    wheel.deadline(1_000, () => fired.push(clock.now()));
    clock.advance(990);
    expect(fired).toEqual([]);
    clock.advance(20);
    expect(fired).toEqual([2_000]);
  });

  it('cancel is idempotent and reset moves a deadline', () => {
    const { clock, wheel } = manualWheel(10);
    let calls = 0;
    const d = wheel.deadline(50, () => calls++);
    expect(d.cancel()).toBe(true);
    expect(d.cancel()).toBe(false);
    expect(d.isPending).toBe(false);
    d.reset(30);
    expect(d.isPending).toBe(true);
    clock.advance(20);
    d.reset(30); // activity: push it out again
    clock.advance(25);
    expect(calls).toBe(0);
    clock.advance(20);
    expect(calls).toBe(1);
    expect(d.isPending).toBe(false);
  });

  it('lets a callback cancel another deadline due in the same tick', () => {
    const { clock, wheel } = manualWheel(10);
    const log: string[] = [];
    const b = wheel.deadline(12, () => log.push('b'));
    wheel.deadline(11, () => {
      log.push('a');
      b.cancel();
    });
    clock.advance(30);
    expect(log).toEqual(['a']);
  });

  it('catches up after a stall longer than a revolution', () => {
    const { clock, wheel } = manualWheel(10, 4);
    const fired: number[] = [];
    for (const ms of [5, 50, 500]) wheel.deadline(ms, () => fired.push(ms));
    // Simulate a blocked event loop: time jumps without the timer running in between.
    (clock as unknown as { time: number }).time += 10_000;
    clock.advance(10);
    expect(fired).toEqual([5, 50, 500]);
    expect(wheel.pending).toBe(0);
  });

  it('close cancels everything and disarms', () => {
    const { clock, wheel } = manualWheel(10);
    let calls = 0;
    for (let i = 0; i < 10; i++) wheel.deadline(i * 7, () => calls++);
    wheel.close();
    wheel.close();
    expect(wheel.pending).toBe(0);
    expect(clock.armed).toBe(0);
    clock.advance(1_000);
    expect(calls).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => new TimerWheel({ tickMs: 0 })).toThrow(RangeError);
    expect(() => new TimerWheel({ slots: 0 })).toThrow(/slots/);
  });

  it('matches a reference model under random schedules, cancels, resets and advances (property)', () => {
    type Op =
      | { op: 'add'; ms: number }
      | { op: 'cancel'; index: number }
      | { op: 'reset'; index: number; ms: number }
      | { op: 'advance'; ms: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('add' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({ op: fc.constant('cancel' as const), index: fc.nat(40) }),
      fc.record({
        op: fc.constant('reset' as const),
        index: fc.nat(40),
        ms: fc.integer({ min: 0, max: 3_000 }),
      }),
      fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 700 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 32 }),
        fc.nat(10_000),
        fc.array(opArb, { maxLength: 80 }),
        (tickMs, slots, start, ops) => {
          const clock = new ManualClock(start);
          const wheel = new TimerWheel({ tickMs, slots, clock, scheduler: clock });
          // Model: each handle's due time, or undefined when cancelled/fired.
          const due: (number | undefined)[] = [];
          const firedAt: number[][] = [];
          const handles = [] as ReturnType<TimerWheel['deadline']>[];
          const check = () => {
            expect(clock.armed).toBeLessThanOrEqual(1);
            expect(wheel.pending).toBe(due.filter((d) => d !== undefined).length);
          };
          for (const o of ops) {
            if (o.op === 'add') {
              const i = handles.length;
              firedAt.push([]);
              due.push(clock.now() + o.ms);
              handles.push(wheel.deadline(o.ms, () => firedAt[i]!.push(clock.now())));
            } else if (o.op === 'cancel' && o.index < handles.length) {
              expect(handles[o.index]!.cancel()).toBe(due[o.index] !== undefined);
              due[o.index] = undefined;
            } else if (o.op === 'reset' && o.index < handles.length) {
              handles[o.index]!.reset(o.ms);
              due[o.index] = clock.now() + o.ms;
            } else if (o.op === 'advance') {
              const end = clock.now() + o.ms;
              clock.advance(o.ms);
              for (let i = 0; i < due.length; i++) {
                const at = due[i];
                if (at !== undefined && at + tickMs <= end) {
                  // Must have fired by now: no earlier than `at`, less than one tick late.
                  const last = firedAt[i]!.at(-1);
                  expect(last).toBeDefined();
                  expect(last!).toBeGreaterThanOrEqual(at);
                  expect(last!).toBeLessThan(at + tickMs + 1);
                  due[i] = undefined;
                } else if (
                  at !== undefined &&
                  firedAt[i]!.length > 0 &&
                  firedAt[i]!.at(-1)! >= at
                ) {
                  due[i] = undefined; // fired within its tick, before the full tick elapsed
                }
              }
            }
            check();
          }
          // Every deadline fires at most once per schedule; cancelled ones never after cancel.
          clock.advance(10_000);
          for (let i = 0; i < due.length; i++) {
            if (due[i] !== undefined) expect(firedAt[i]!.at(-1)!).toBeGreaterThanOrEqual(due[i]!);
          }
          expect(wheel.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('withTimeout', () => {
  it('resolves with the value and cancels its deadline', async () => {
    const { wheel } = manualWheel(10);
    await expect(wheel.withTimeout(Promise.resolve(42), 100)).resolves.toBe(42);
    expect(wheel.pending).toBe(0);
  });

  it('passes the rejection through', async () => {
    const { wheel } = manualWheel(10);
    await expect(wheel.withTimeout(Promise.reject(new Error('boom')), 100)).rejects.toThrow('boom');
    expect(wheel.pending).toBe(0);
  });

  it('rejects with a typed TimeoutError when the promise is too slow', async () => {
    const { clock, wheel } = manualWheel(10);
    const slow = new Promise<void>(() => {});
    const raced = wheel.withTimeout(slow, 50, 'reading the head');
    clock.advance(60);
    const error = await raced.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('PINGORA_TIMEOUT');
    expect((error as TimeoutError).message).toBe('reading the head timed out after 50 ms');
  });

  it('works on the default wheel with real timers', async () => {
    const error = await withTimeout(new Promise<void>(() => {}), 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await expect(withTimeout(Promise.resolve('ok'), 1_000)).resolves.toBe('ok');
  });
});
