/**
 * What the pool needs of a timer service: a clock and one cancellable deadline per idle
 * connection. The default is built on `@pingora-ts/timeout`; tests inject a manual one so idle
 * timeouts are exact.
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
}

/** PROVISIONAL default on setTimeout, until @pingora-ts/timeout lands. */
export function defaultPoolTimers(): OwnedPoolTimers {
  const pending = new Set<NodeJS.Timeout>();
  return {
    schedule(delayMs, onExpire) {
      const t = setTimeout(() => {
        pending.delete(t);
        onExpire();
      }, delayMs);
      pending.add(t);
      return () => {
        clearTimeout(t);
        pending.delete(t);
      };
    },
    now: () => performance.now(),
    close() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
    },
  };
}
