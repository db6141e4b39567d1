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
}

/**
 * The default timers: one `setTimeout` per idle connection and `performance.now()` (monotonic).
 * Meant to move onto a `@pingora-ts/timeout` wheel (one Node timer for all deadlines) once that
 * package exports its API; this function is the only place that would change.
 */
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
