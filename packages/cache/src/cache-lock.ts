import type { CachedObject } from './cache-storage.js';

/** What a lock holder ends with: the object stored (waiters are served from it) or nothing. */
type LockOutcome = CachedObject | undefined;

interface Held {
  readonly done: Promise<LockOutcome>;
  release(outcome: LockOutcome): void;
}

/**
 * One upstream fetch per key at a time: the first miss takes the lock and fetches; later
 * misses wait for its outcome (bounded by a timeout, after which they go upstream on their
 * own) and are served from it. Releasing is idempotent; a holder that fails releases with
 * nothing, and the waiters then fetch themselves.
 */
export class CacheLock {
  private readonly held = new Map<string, Held>();
  /** Requests that waited on another's fetch. */
  waits = 0;
  /** Waits that ran out of time. */
  timeouts = 0;

  /** Takes the lock on `key`, or returns the holder's outcome promise when it is taken. */
  acquire(
    key: string,
  ): { release: (outcome: LockOutcome) => void } | { wait: Promise<LockOutcome> } {
    const current = this.held.get(key);
    if (current !== undefined) {
      this.waits++;
      return { wait: current.done };
    }
    let settle!: (outcome: LockOutcome) => void;
    const done = new Promise<LockOutcome>((resolve) => {
      settle = resolve;
    });
    let isReleased = false;
    const entry: Held = {
      done,
      release: (outcome) => {
        if (isReleased) return;
        isReleased = true;
        if (this.held.get(key) === entry) this.held.delete(key);
        settle(outcome);
      },
    };
    this.held.set(key, entry);
    return { release: entry.release };
  }

  /** Waits for `wait` at most `timeoutMs`; undefined on timeout or when the holder failed. */
  async waitFor(wait: Promise<LockOutcome>, timeoutMs: number): Promise<LockOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([wait, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.timeouts++;
      return undefined;
    }
    return outcome;
  }

  /** Keys currently being fetched. */
  get size(): number {
    return this.held.size;
  }
}
