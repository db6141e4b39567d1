import type { PoolTimers } from '../src/index.js';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  isCancelled: boolean;
}

/** A manual clock for exact idle-timeout tests: time moves only on `advance`. */
export class ManualTimers implements PoolTimers {
  private time = 0;
  private seq = 0;
  private pending: Pending[] = [];

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, onExpire: () => void): () => void {
    const p: Pending = {
      at: this.time + delayMs,
      seq: this.seq++,
      fire: onExpire,
      isCancelled: false,
    };
    this.pending.push(p);
    return () => {
      p.isCancelled = true;
    };
  }

  /** Moves the clock forward, firing what falls due in deadline order. */
  advance(ms: number): void {
    this.time += ms;
    const due = this.pending
      .filter((p) => !p.isCancelled && p.at <= this.time)
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.pending = this.pending.filter((p) => !p.isCancelled && p.at > this.time);
    for (const p of due) if (!p.isCancelled) p.fire();
  }

  /** Deadlines neither fired nor cancelled. */
  get armed(): number {
    return this.pending.filter((p) => !p.isCancelled).length;
  }
}
