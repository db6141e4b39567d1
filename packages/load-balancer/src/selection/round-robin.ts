import type { Backend } from '../backend.js';
import { type Accept, type Selection, type SelectKey, walkLimit } from './selection.js';

/**
 * Plain round robin, ignoring weights: each call starts at the backend after the previous
 * call's start, and a walk goes on through the following backends in order.
 */
export class RoundRobin implements Selection {
  readonly backends: readonly Backend[];
  #next = 0;

  constructor(backends: readonly Backend[]) {
    this.backends = backends;
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    const list = this.backends;
    const n = list.length;
    if (n === 0) return undefined;
    let i = this.#next;
    this.#next = i + 1 === n ? 0 : i + 1;
    const limit = walkLimit(maxIterations, n);
    for (let step = 0; step < limit; step++) {
      const backend = list[i]!;
      if (accept === undefined || accept(backend)) return backend;
      i = i + 1 === n ? 0 : i + 1;
    }
    return undefined;
  }
}
