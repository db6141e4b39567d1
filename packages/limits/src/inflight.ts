/** Releases what {@link Inflight.incr} took, exactly once. */
export class InflightGuard {
  private released = false;
  private readonly owner: Inflight;
  private readonly key: string | number;
  private readonly n: number;

  /** @internal */
  constructor(owner: Inflight, key: string | number, n: number) {
    this.owner = owner;
    this.key = key;
    this.n = n;
  }

  /** True until released. */
  get isHeld(): boolean {
    return !this.released;
  }

  /** Gives the count back. Idempotent: returns true only the first time. */
  release(): boolean {
    if (this.released) return false;
    this.released = true;
    this.owner.decrement(this.key, this.n);
    return true;
  }

  /** `using guard = inflight.incr(key)` releases at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Concurrent requests per key. `incr(key)` counts one in and returns a guard whose `release()`
 * counts it out exactly once, however often it is called; keys at zero take no memory.
 *
 * @example
 * ```ts
 * const inflight = new Inflight();
 * const guard = inflight.incr(upstream);
 * try { await proxy(); } finally { guard.release(); }
 * ```
 */
export class Inflight {
  private readonly counts = new Map<string | number, number>();

  /** Counts `n` in for `key`; returns the guard that counts them out. */
  incr(key: string | number, n = 1): InflightGuard {
    if (!(n > 0)) throw new RangeError(`Inflight n must be > 0, got ${n}`);
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
    return new InflightGuard(this, key, n);
  }

  /** Current count of `key`. */
  count(key: string | number): number {
    return this.counts.get(key) ?? 0;
  }

  /** Number of keys with a non-zero count. */
  get keys(): number {
    return this.counts.size;
  }

  /** @internal */
  decrement(key: string | number, n: number): void {
    const left = (this.counts.get(key) ?? 0) - n;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}
