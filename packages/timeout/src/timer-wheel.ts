import { type Clock, monotonicClock, nodeScheduler, type Scheduler } from './clock.js';
import { TimeoutError } from './timeout-error.js';

/** Options of {@link TimerWheel}; every default is in {@link WHEEL_DEFAULTS}. */
export interface TimerWheelOptions {
  /** Resolution in milliseconds: a deadline fires at most one tick after its time. */
  tickMs?: number;
  /** Slots in the wheel (rounded up to a power of two); one revolution is `slots * tickMs`. */
  slots?: number;
  /** Time source. */
  clock?: Clock;
  /** Arms the one underlying timer. */
  scheduler?: Scheduler;
  /**
   * When true (the default) the underlying timer does not keep the process alive, like
   * `timer.unref()` and like `AbortSignal.timeout`: a deadline guards some I/O, and that I/O is
   * what keeps the process running. Set false for a wheel whose deadlines are the only work.
   */
  unref?: boolean;
}

/** Defaults of {@link TimerWheelOptions}. */
export const WHEEL_DEFAULTS = {
  tickMs: 10,
  slots: 1024,
  unref: true,
} as const;

/**
 * A delay as a wheel takes it: negative delays mean "now" (as with `setTimeout`); NaN and
 * infinities are mistakes, thrown at the caller rather than parked in the wheel forever.
 */
function checkDelay(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`deadline ms must be a finite number, got ${ms}`);
  return Math.max(ms, 0);
}

const PENDING = 0;
const FIRED = 1;
const CANCELLED = 2;
/** Taken out of its slot by the tick that runs it, not yet called. */
const DUE = 3;

/**
 * A pending callback on a {@link TimerWheel}. Creating and cancelling one is a few pointer
 * writes: it is linked into its slot's list and unlinked on `cancel`, no Node timer involved.
 */
export class Deadline {
  /**
   * Time (on the wheel's clock) at or after which the callback runs, rounded up to a whole
   * millisecond: an integer is stored in the object itself, where a fractional time would
   * take a separate heap number per deadline (a fifth of the cost of creating one). With a
   * whole-millisecond tick the rounding never moves a deadline to a later tick.
   */
  at: number;
  /** @internal */ callback: () => void;
  /** @internal */ ms: number;
  /** @internal */ tick = 0;
  /** @internal */ prev: Deadline | null = null;
  /** @internal */ next: Deadline | null = null;
  /** @internal */ state = PENDING;
  /** @internal */ readonly wheel: TimerWheel;

  /** @internal */
  constructor(wheel: TimerWheel, ms: number, at: number, callback: () => void) {
    this.wheel = wheel;
    this.ms = ms;
    this.at = at;
    this.callback = callback;
  }

  /** True until it fires or is cancelled. */
  get isPending(): boolean {
    return this.state === PENDING || this.state === DUE;
  }

  /** Stops it from firing. Idempotent; returns true when it was still pending. */
  cancel(): boolean {
    if (this.state === DUE) {
      this.state = CANCELLED;
      return true;
    }
    if (this.state !== PENDING) return false;
    this.state = CANCELLED;
    this.wheel.unlink(this);
    return true;
  }

  /**
   * Moves it to `ms` from now (pending or not), as an idle timer does on activity.
   * Returns `this`.
   */
  reset(ms: number): this {
    const delay = checkDelay(ms);
    if (this.state === PENDING) this.wheel.unlink(this);
    this.state = PENDING;
    this.ms = delay;
    this.at = Math.ceil(this.wheel.clock.now() + delay);
    this.wheel.link(this);
    return this;
  }

  /**
   * Moves it to the same duration from now as it was last given (by `deadline` or `reset`),
   * like Node's `timeout.refresh()`. Returns `this`.
   */
  refresh(): this {
    return this.reset(this.ms);
  }
}

/**
 * A hashed timer wheel: many pending deadlines, each O(1) to create and cancel, served by one
 * underlying timer that runs once a tick while anything is pending and not at all otherwise.
 * Deadlines fire no earlier than their time and at most one tick later (plus event-loop lag).
 *
 * Deadlines further away than one revolution stay in their slot and are passed over until
 * their tick comes round, as in a hashed wheel (Varghese and Lauck, 1987).
 *
 * @example
 * ```ts
 * const wheel = new TimerWheel({ tickMs: 10 });
 * const idle = wheel.deadline(30_000, () => socket.destroy());
 * socket.on('data', () => idle.reset(30_000));
 * socket.on('close', () => idle.cancel());
 * ```
 */
export class TimerWheel {
  /** Milliseconds per tick. */
  readonly tickMs: number;
  /** @internal */ readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly isUnref: boolean;
  private readonly mask: number;
  private readonly heads: (Deadline | null)[];
  private lastTick: number;
  private count = 0;
  private timer: unknown = undefined;
  /** Deadlines the running tick took out of their slots, so that `close()` can still stop them. */
  private due: Deadline[] = [];
  private readonly onTimer = (): void => this.run();

  constructor(options: TimerWheelOptions = {}) {
    const tickMs = options.tickMs ?? WHEEL_DEFAULTS.tickMs;
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) {
      throw new RangeError(`TimerWheel tickMs must be a positive number, got ${tickMs}`);
    }
    const slots = options.slots ?? WHEEL_DEFAULTS.slots;
    if (!Number.isInteger(slots) || slots < 1 || slots > 2 ** 24) {
      throw new RangeError(`TimerWheel slots must be an integer in 1..2^24, got ${slots}`);
    }
    let size = 1;
    while (size < slots) size <<= 1;
    this.tickMs = tickMs;
    this.clock = options.clock ?? monotonicClock;
    this.scheduler = options.scheduler ?? nodeScheduler;
    this.isUnref = options.unref ?? WHEEL_DEFAULTS.unref;
    this.mask = size - 1;
    this.heads = new Array<Deadline | null>(size).fill(null);
    this.lastTick = Math.floor(this.clock.now() / tickMs);
  }

  /** Number of pending deadlines. */
  get pending(): number {
    return this.count;
  }

  /** Runs `callback` once, `ms` milliseconds from now, unless the returned handle is cancelled. */
  deadline(ms: number, callback: () => void): Deadline {
    const delay = checkDelay(ms);
    const d = new Deadline(this, delay, Math.ceil(this.clock.now() + delay), callback);
    this.link(d);
    return d;
  }

  /**
   * Settles like `promise`, or rejects with a {@link TimeoutError} if it has not settled within
   * `ms`. The deadline is cancelled as soon as the promise settles.
   */
  withTimeout<T>(promise: PromiseLike<T>, ms: number, what?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const d = this.deadline(ms, () => reject(new TimeoutError(ms, what)));
      promise.then(
        (value) => {
          d.cancel();
          resolve(value);
        },
        (error: unknown) => {
          d.cancel();
          reject(error);
        },
      );
    });
  }

  /**
   * Cancels every pending deadline and stops the underlying timer. Idempotent. The wheel stays
   * usable: a later `deadline` arms it again.
   */
  close(): void {
    for (const d of this.due) if (d.state === DUE) d.state = CANCELLED;
    for (let i = 0; i <= this.mask; i++) {
      let d = this.heads[i] ?? null;
      while (d) {
        const next = d.next;
        d.state = CANCELLED;
        d.prev = d.next = null;
        d = next;
      }
      this.heads[i] = null;
    }
    this.count = 0;
    this.disarm();
  }

  /** @internal Links a pending deadline into the slot of its tick. */
  link(d: Deadline): void {
    if (this.count === 0 && this.timer === undefined) {
      // Idle wheel: skip the empty ticks since it last ran instead of walking them.
      this.lastTick = Math.floor(this.clock.now() / this.tickMs);
    }
    // The first tick whose start is at or after `at`, and never one already processed.
    const tick = Math.max(Math.ceil(d.at / this.tickMs), this.lastTick + 1);
    d.tick = tick;
    const slot = tick & this.mask;
    const head = this.heads[slot] ?? null;
    d.prev = null;
    d.next = head;
    if (head) head.prev = d;
    this.heads[slot] = d;
    this.count++;
    if (this.timer === undefined) this.arm();
  }

  /** @internal Unlinks a deadline that is in the wheel. */
  unlink(d: Deadline): void {
    if (d.prev) d.prev.next = d.next;
    else this.heads[d.tick & this.mask] = d.next;
    if (d.next) d.next.prev = d.prev;
    d.prev = d.next = null;
    this.count--;
    // The underlying timer stays armed until its next tick, which disarms it when nothing is
    // pending: cancelling the last deadline costs no clearTimeout.
  }

  private arm(): void {
    const now = this.clock.now();
    const delay = Math.max(1, (this.lastTick + 1) * this.tickMs - now);
    this.timer = this.scheduler.setTimeout(this.onTimer, delay);
    if (this.isUnref) this.scheduler.unref?.(this.timer);
  }

  private disarm(): void {
    if (this.timer !== undefined) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private run(): void {
    this.timer = undefined;
    const target = Math.floor(this.clock.now() / this.tickMs);
    // After a long stall, one revolution visits every slot: no need to walk more.
    const last = Math.min(target, this.lastTick + this.mask + 1);
    const due: Deadline[] = [];
    this.due = due;
    for (let tick = this.lastTick + 1; tick <= last; tick++) {
      let d = this.heads[tick & this.mask] ?? null;
      const first = due.length;
      while (d) {
        const next = d.next;
        if (d.tick <= target) {
          this.unlink(d);
          d.state = DUE;
          due.push(d);
        }
        d = next;
      }
      // A slot lists its newest deadline first: reversed, deadlines with the same `at` (common
      // with whole milliseconds) run in the order they were made, as the stable sort keeps it.
      reverse(due, first, due.length - 1);
    }
    this.lastTick = target;
    // Callbacks run after the walk, so that they may create or cancel deadlines freely.
    due.sort((a, b) => a.at - b.at);
    // A callback that throws must not cost the others their turn, nor stop the wheel: the
    // first error is rethrown once the tick is done (an uncaught exception, as with setTimeout).
    let failed = false;
    let error: unknown;
    for (const d of due) {
      // An earlier callback of this tick may have cancelled or reset it.
      if (d.state !== DUE) continue;
      d.state = FIRED;
      try {
        d.callback();
      } catch (e) {
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
    this.due = [];
    if (this.count > 0 && this.timer === undefined) this.arm();
    if (failed) throw error;
  }
}

function reverse(items: Deadline[], from: number, to: number): void {
  for (; from < to; from++, to--) {
    const item = items[from]!;
    items[from] = items[to]!;
    items[to] = item;
  }
}

let shared: TimerWheel | undefined;

/** The process-wide wheel (10 ms tick) used by {@link deadline} and {@link withTimeout}. */
export function defaultWheel(): TimerWheel {
  shared ??= new TimerWheel();
  return shared;
}

/** {@link TimerWheel.deadline} on the default wheel. */
export function deadline(ms: number, callback: () => void): Deadline {
  return defaultWheel().deadline(ms, callback);
}

/** {@link TimerWheel.withTimeout} on the default wheel. */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number, what?: string): Promise<T> {
  return defaultWheel().withTimeout(promise, ms, what);
}
