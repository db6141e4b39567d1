import type { Backend } from '../backend.js';
import { CumulativeWeights } from './cumulative-weights.js';
import { fnv1a32 } from './fnv1a.js';
import type { Accept, Selection, SelectKey } from './selection.js';
import { walkLimit } from './selection.js';

/**
 * Hash mod N: the key's 32-bit FNV-1a modulo the total weight picks a slot, each backend owning
 * `weight` consecutive slots (N = the number of backends when all weights are 1). Cheap and
 * even, but a change of N remaps most keys; use {@link ConsistentHash} when that matters. A
 * walk goes on through the following backends in list order, the same for every key.
 */
export class FnvHash implements Selection {
  readonly backends: readonly Backend[];
  readonly #weights: CumulativeWeights;

  constructor(backends: readonly Backend[]) {
    this.backends = backends;
    this.#weights = new CumulativeWeights(backends);
  }

  select(key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    const list = this.backends;
    const n = list.length;
    const limit = walkLimit(maxIterations, n);
    if (limit === 0) return undefined;
    let i = this.#weights.find(fnv1a32(key) % this.#weights.total);
    for (let step = 0; step < limit; step++) {
      const backend = list[i]!;
      if (accept === undefined || accept(backend)) return backend;
      i = i + 1 === n ? 0 : i + 1;
    }
    return undefined;
  }
}
