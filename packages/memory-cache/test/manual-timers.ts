import type { LockTimers } from '../src/index.js';

/** Timers that fire only when the test says so: lock timeouts without real waiting. */
export class ManualTimers implements LockTimers {
  private readonly pending = new Map<number, () => void>();
  private next = 1;

  setTimeout(callback: () => void, _ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, callback);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers set and not yet cleared or fired. */
  get count(): number {
    return this.pending.size;
  }

  /** Fires every pending timer. */
  fireAll(): void {
    const callbacks = [...this.pending.values()];
    this.pending.clear();
    for (const callback of callbacks) callback();
  }
}

/** A promise with its resolve and reject, for loaders the test finishes by hand. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
