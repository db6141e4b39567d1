/**
 * The idle-timer seam of the pool: arms one deadline per idle connection and cancels it when
 * the connection is taken or evicted. PROVISIONAL: setTimeout-based until @pingora-ts/timeout
 * lands.
 */
export interface IdleTimers {
  /** Calls `onExpire` once after `delayMs`; returns a function that cancels it. */
  schedule(delayMs: number, onExpire: () => void): () => void;
  /** Current time of the timers' clock, ms. */
  now(): number;
  /** Cancels everything still pending. */
  close(): void;
}

/** Provisional timers on setTimeout. */
export function nodeTimers(): IdleTimers {
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
