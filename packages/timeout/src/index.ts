/**
 * A coarse timer wheel for the deadlines of every I/O: reading a head, an idle keep-alive
 * connection, a connect attempt. Creating and cancelling a {@link Deadline} costs a few pointer
 * writes instead of a Node timer each, and one underlying timer per wheel runs once a tick
 * (default 10 ms) only while anything is pending. Deadlines fire no earlier than their time and
 * at most one tick late. Time is injected (`clock`, `scheduler`), so tests are exact with
 * {@link ManualClock}.
 *
 * @example
 * ```ts
 * import { ManualClock, TimerWheel } from '@pingora-ts/timeout';
 *
 * const clock = new ManualClock();
 * const wheel = new TimerWheel({ tickMs: 10, clock, scheduler: clock });
 * wheel.deadline(25, () => console.log('fired at', clock.now()));
 * const idle = wheel.deadline(40, () => console.log('never'));
 * idle.cancel();
 * clock.advance(100);
 * ```
 *
 * @packageDocumentation
 */
export { type Clock, ManualClock, monotonicClock, nodeScheduler, type Scheduler } from './clock.js';
export { type DrainOutcome, type DrainTarget, whenDrained } from './drain.js';
export { TimeoutError } from './timeout-error.js';
export {
  Deadline,
  deadline,
  defaultWheel,
  TimerWheel,
  type TimerWheelOptions,
  WHEEL_DEFAULTS,
  withTimeout,
} from './timer-wheel.js';
