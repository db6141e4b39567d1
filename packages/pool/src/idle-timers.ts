import { monotonicClock, TimerWheel } from '@pingora-ts/timeout';

/**
 * What the pool needs of a timer service: a clock and one cancellable deadline per idle
 * connection. Tests inject a manual one so idle timeouts are exact.
 */
export interface PoolTimers {
  /** Current time, ms (any origin; only differences are used). */
  now(): number;
  /** Calls `onExpire` once, `delayMs` from now; returns a function that cancels it. */
  schedule(delayMs: number, onExpire: () => void): () => void;
}

/** Timers the pool made itself and must release on `close()`. */
export interface OwnedPoolTimers extends PoolTimers {
  /** Cancels everything still pending and releases the underlying timer. */
  close(): void;
  /**
   * The wheel behind `schedule`: the pool keeps one deadline per idle entry on it and moves it
   * for each idle period of the connection, instead of making a deadline and a cancel function
   * per `put`.
   */
  readonly wheel: TimerWheel;
}

/**
 * The default timers: a `@pingora-ts/timeout` wheel the pool owns (one Node timer for all idle
 * deadlines, a few pointer writes per arm and cancel, at most one 10 ms tick late; unref'd so
 * idle deadlines alone never keep the process alive) on its monotonic clock.
 */
export function defaultPoolTimers(): OwnedPoolTimers {
  const wheel = new TimerWheel({ unref: true, clock: monotonicClock });
  return {
    wheel,
    now: () => monotonicClock.now(),
    schedule(delayMs, onExpire) {
      const d = wheel.deadline(delayMs, onExpire);
      return () => {
        d.cancel();
      };
    },
    close: () => wheel.close(),
  };
}
