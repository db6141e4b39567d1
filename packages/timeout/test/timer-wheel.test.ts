import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Deadline,
  defaultWheel,
  ManualClock,
  nodeScheduler,
  type Scheduler,
  TimeoutError,
  TimerWheel,
  withTimeout,
} from '../src/index.js';

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

  it('rounds a fractional deadline up to a whole millisecond and keeps creation order', () => {
    const { clock, wheel } = manualWheel(10);
    clock.advance(0.25);
    const fired: string[] = [];
    const a = wheel.deadline(20.5, () => fired.push('a'));
    const b = wheel.deadline(20.1, () => fired.push('b'));
    wheel.deadline(20, () => fired.push('c'));
    expect(a.at).toBe(1_021);
    expect(b.at).toBe(1_021);
    clock.advance(20.5);
    expect(fired).toEqual([]);
    clock.advance(10);
    expect(fired).toEqual(['a', 'b', 'c']);
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

  it('matches a reference model: never early, at most one tick late, never after cancel (property)', () => {
    type Op =
      | { op: 'add'; ms: number }
      | { op: 'cancel'; index: number }
      | { op: 'reset'; index: number; ms: number }
      | { op: 'refresh'; index: number }
      | { op: 'advance'; ms: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('add' as const), ms: fc.integer({ min: -5, max: 3_000 }) }),
      fc.record({ op: fc.constant('cancel' as const), index: fc.nat(40) }),
      fc.record({
        op: fc.constant('reset' as const),
        index: fc.nat(40),
        ms: fc.integer({ min: 0, max: 3_000 }),
      }),
      fc.record({ op: fc.constant('refresh' as const), index: fc.nat(40) }),
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
          // Reference model: per handle, the time it is due (undefined: cancelled or fired)
          // and the duration it was last given (for refresh).
          const due: (number | undefined)[] = [];
          const lastMs: number[] = [];
          const handles: Deadline[] = [];
          let fired = 0;
          const onFire = (i: number) => {
            const at = due[i];
            // Fires only while armed, never before its time, at most one tick after it.
            expect(at).toBeDefined();
            expect(clock.now()).toBeGreaterThanOrEqual(at!);
            expect(clock.now()).toBeLessThanOrEqual(at! + tickMs);
            due[i] = undefined;
            fired++;
          };
          const arm = (i: number, ms: number) => {
            lastMs[i] = Math.max(0, ms);
            due[i] = clock.now() + lastMs[i]!;
          };
          for (const o of ops) {
            if (o.op === 'add') {
              const i = handles.length;
              arm(i, o.ms);
              handles.push(wheel.deadline(o.ms, () => onFire(i)));
            } else if (o.op === 'advance') {
              clock.advance(o.ms);
              // Nothing still armed may be more than one tick past its time.
              for (const at of due)
                if (at !== undefined) expect(at + tickMs).toBeGreaterThan(clock.now());
            } else if (o.index < handles.length) {
              const h = handles[o.index]!;
              if (o.op === 'cancel') {
                expect(h.cancel()).toBe(due[o.index] !== undefined);
                due[o.index] = undefined;
              } else if (o.op === 'reset') {
                arm(o.index, o.ms);
                h.reset(o.ms);
              } else {
                arm(o.index, lastMs[o.index]!);
                h.refresh();
              }
            }
            expect(clock.armed).toBeLessThanOrEqual(1);
            const armed = due.filter((at) => at !== undefined).length;
            expect(wheel.pending).toBe(armed);
            for (const [i, h] of handles.entries()) expect(h.isPending).toBe(due[i] !== undefined);
          }
          const stillArmed = due.filter((at) => at !== undefined).length;
          const before = fired;
          clock.advance(4_000);
          expect(fired - before).toBe(stillArmed);
          expect(wheel.pending).toBe(0);
          clock.advance(tickMs); // the tick after the last deadline stops the timer
          expect(clock.armed).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refresh re-arms with the last duration, like timeout.refresh()', () => {
    const { clock, wheel } = manualWheel(10);
    const fired: number[] = [];
    const d = wheel.deadline(50, () => fired.push(clock.now()));
    clock.advance(40);
    expect(d.refresh()).toBe(d);
    clock.advance(40);
    expect(fired).toEqual([]);
    clock.advance(20);
    expect(fired).toEqual([1_090]);
    d.refresh(); // after firing: armed again for 50 ms
    clock.advance(60);
    expect(fired).toEqual([1_090, 1_150]);
  });

  it('treats negative delays as zero and rejects NaN and infinities', () => {
    const { clock, wheel } = manualWheel(10);
    let calls = 0;
    wheel.deadline(-100, () => calls++);
    clock.advance(10);
    expect(calls).toBe(1);
    expect(() => wheel.deadline(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => wheel.deadline(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
    const d = wheel.deadline(10, () => {});
    expect(() => d.reset(Number.NaN)).toThrow(RangeError);
    expect(d.isPending).toBe(true);
    expect(wheel.pending).toBe(1);
  });

  it('runs the other callbacks of a tick when one throws, then rethrows', () => {
    const { clock, wheel } = manualWheel(10);
    const log: string[] = [];
    wheel.deadline(11, () => {
      throw new Error('first');
    });
    wheel.deadline(12, () => log.push('second'));
    wheel.deadline(40, () => log.push('later'));
    expect(() => clock.advance(20)).toThrow('first');
    expect(log).toEqual(['second']);
    clock.advance(30); // the wheel still runs
    expect(log).toEqual(['second', 'later']);
  });

  it('close from a callback stops the rest of that tick', () => {
    const { clock, wheel } = manualWheel(10);
    const log: string[] = [];
    wheel.deadline(11, () => {
      log.push('a');
      wheel.close();
    });
    wheel.deadline(12, () => log.push('b'));
    clock.advance(30);
    expect(log).toEqual(['a']);
    expect(clock.armed).toBe(0);
  });
});

describe('TimerWheel on Node timers', () => {
  /** Node's scheduler, counting the timers it holds and keeping their handles. */
  function countingScheduler() {
    const live = new Set<NodeJS.Timeout>();
    const scheduler: Scheduler = {
      setTimeout(callback, ms) {
        const handle: NodeJS.Timeout = setTimeout(() => {
          live.delete(handle);
          callback();
        }, ms);
        live.add(handle);
        return handle;
      },
      clearTimeout(handle) {
        live.delete(handle as NodeJS.Timeout);
        nodeScheduler.clearTimeout(handle);
      },
      unref: (handle) => nodeScheduler.unref?.(handle),
    };
    return { live, scheduler };
  }

  it("holds one unref'd Node timer for many deadlines, and none once they are done", async () => {
    const { live, scheduler } = countingScheduler();
    const wheel = new TimerWheel({ tickMs: 5, scheduler });
    const done = Array.from(
      { length: 1_000 },
      (_, i) => new Promise<number>((resolve) => wheel.deadline(5 + (i % 20), () => resolve(i))),
    );
    expect(live.size).toBe(1);
    for (const handle of live) expect(handle.hasRef()).toBe(false);
    expect((await Promise.all(done)).length).toBe(1_000);
    expect(wheel.pending).toBe(0);
    // The tick that found nothing left pending did not re-arm.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(live.size).toBe(0);
    wheel.close();
  });

  it('keeps the process alive when asked to (unref: false)', () => {
    const { live, scheduler } = countingScheduler();
    const wheel = new TimerWheel({ scheduler, unref: false });
    wheel.deadline(1_000, () => {});
    for (const handle of live) expect(handle.hasRef()).toBe(true);
    wheel.close();
    expect(live.size).toBe(0);
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

  afterAll(() => defaultWheel().close()); // leave no timer behind, even an unref'd one

  it('works on the default wheel with real timers', async () => {
    const error = await withTimeout(new Promise<void>(() => {}), 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await expect(withTimeout(Promise.resolve('ok'), 1_000)).resolves.toBe('ok');
  });
});
