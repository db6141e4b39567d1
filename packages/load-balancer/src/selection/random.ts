import type { Backend } from '../backend.js';
import { IndexPermutation } from './index-permutation.js';
import type { Accept, Selection, SelectionContext, SelectKey } from './selection.js';
import { walkLimit } from './selection.js';

/** Uniform random choice, ignoring weights; a walk draws distinct backends at random. */
export class RandomSelection implements Selection {
  readonly backends: readonly Backend[];
  readonly #random: () => number;
  readonly #order: IndexPermutation;

  constructor(backends: readonly Backend[], context: Pick<SelectionContext, 'random'>) {
    this.backends = backends;
    this.#random = context.random;
    this.#order = new IndexPermutation(backends.length);
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    const limit = walkLimit(maxIterations, this.backends.length);
    for (let k = 0; k < limit; k++) {
      const backend = this.backends[this.#order.draw(k, this.#random)]!;
      if (accept === undefined || accept(backend)) return backend;
    }
    return undefined;
  }
}
