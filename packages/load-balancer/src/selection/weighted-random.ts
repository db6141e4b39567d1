import type { Backend } from '../backend.js';
import { CumulativeWeights } from './cumulative-weights.js';
import type { Accept, Selection, SelectionContext, SelectKey } from './selection.js';
import { walkLimit } from './selection.js';

/**
 * Random choice with probability proportional to weight. The first draw is a binary search
 * over the running weight sums; after a rejection the walk draws without replacement, in
 * proportion to the weights of the backends not yet offered.
 */
export class WeightedRandom implements Selection {
  readonly backends: readonly Backend[];
  readonly #random: () => number;
  readonly #weights: CumulativeWeights;

  constructor(backends: readonly Backend[], context: Pick<SelectionContext, 'random'>) {
    this.backends = backends;
    this.#random = context.random;
    this.#weights = new CumulativeWeights(backends);
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    const list = this.backends;
    const n = list.length;
    const limit = walkLimit(maxIterations, n);
    if (limit === 0) return undefined;
    const first = this.#weights.find(this.#random() * this.#weights.total);
    if (accept === undefined || accept(list[first]!)) return list[first];
    const offered = new Uint8Array(n);
    offered[first] = 1;
    let remaining = this.#weights.total - list[first]!.weight;
    for (let step = 1; step < limit; step++) {
      let point = this.#random() * remaining;
      let pick = -1;
      for (let i = 0; i < n; i++) {
        if (offered[i] === 1) continue;
        pick = i;
        point -= list[i]!.weight;
        if (point < 0) break;
      }
      offered[pick] = 1;
      remaining -= list[pick]!.weight;
      if (accept(list[pick]!)) return list[pick];
    }
    return undefined;
  }
}
