/** A source of milliseconds; only differences matter. */
export interface Clock {
  now(): number;
}

/** How a wheel arms its one underlying timer. Node's timers by default; a manual one in tests. */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Called with the handle when the wheel wants its timer not to keep the process alive. */
  unref?(handle: unknown): void;
}

// Read once: `globalThis.performance` is a lazy accessor in Node, a cost on every deadline.
const perf = performance;

/** `performance.now()`: monotonic, unaffected by wall-clock changes. */
export const monotonicClock: Clock = { now: () => perf.now() };

/** Node's own timers. */
export const nodeScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  unref: (handle) => (handle as NodeJS.Timeout).unref(),
};

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
  live: boolean;
}

/**
 * A clock and scheduler that move only when told to, for exact tests: `advance(ms)` runs every
 * timer due by then, in time order, moving `now()` to each timer's time as it runs.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const wheel = new TimerWheel({ clock, scheduler: clock });
 * wheel.deadline(50, () => console.log('fired at', clock.now()));
 * clock.advance(100); // fired at 50
 * ```
 */
export class ManualClock implements Clock, Scheduler {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: ManualTimer = {
      at: this.time + Math.max(1, ms),
      seq: this.seq++,
      callback,
      live: true,
    };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    (handle as ManualTimer).live = false;
  }

  /** Number of armed timers (a wheel arms at most one). */
  get armed(): number {
    return this.timers.filter((t) => t.live).length;
  }

  /** Moves time forward by `ms`, running due timers in order (and timers they arm, if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
        }
      }
      if (!next) break;
      next.live = false;
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = end;
  }
}
