/**
 * One load in progress: the promise every waiter for the same key shares. It never reports an
 * unhandled rejection by itself; the waiters (if any) receive the error.
 */
export class Flight<V> {
  readonly promise: Promise<V>;
  private settle!: { resolve: (value: V) => void; reject: (reason: unknown) => void };

  constructor() {
    this.promise = new Promise<V>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Waiters attach their own handlers; a load nobody waited for must not crash the process.
    this.promise.catch(() => {});
  }

  /** Hands the loaded value to every waiter. */
  resolve(value: V): void {
    this.settle.resolve(value);
  }

  /** Hands the loader's error to every waiter. */
  reject(reason: unknown): void {
    this.settle.reject(reason);
  }
}
