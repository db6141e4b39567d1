import type { Backend } from '../backend.js';
import type { InFlightSlot } from '../in-flight.js';
import { IndexPermutation } from './index-permutation.js';
import type { Accept, Selection, SelectionContext, SelectKey } from './selection.js';
import { walkLimit } from './selection.js';

/**
 * Power of two choices (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing", 2001): draw two distinct backends at random and take the one with fewer requests
 * in flight relative to its weight (the first drawn on a tie). Nearly as even as least-in-flight
 * at O(1) per pick. After a rejection the loser of the pair stays in the pool and a new pair is
 * drawn from the backends not yet offered.
 */
export class PowerOfTwoChoices implements Selection {
  readonly backends: readonly Backend[];
  readonly #random: () => number;
  readonly #slots: InFlightSlot[];
  readonly #order: IndexPermutation;

  constructor(backends: readonly Backend[], context: SelectionContext) {
    this.backends = backends;
    this.#random = context.random;
    this.#slots = backends.map((b) => context.inFlight.slot(b.addr));
    this.#order = new IndexPermutation(backends.length);
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    const list = this.backends;
    const n = list.length;
    const limit = walkLimit(maxIterations, n);
    const order = this.#order;
    for (let k = 0; k < limit; k++) {
      let pick = order.draw(k, this.#random);
      if (k + 1 < n) {
        const other = order.draw(k + 1, this.#random);
        const a = list[pick]!;
        const b = list[other]!;
        // Fewer in flight per unit of weight wins.
        if (this.#slots[other]!.count * a.weight < this.#slots[pick]!.count * b.weight) {
          order.swap(k, k + 1); // the winner takes position k; the loser stays in the pool
          pick = other;
        }
      }
      const backend = list[pick]!;
      if (accept === undefined || accept(backend)) return backend;
    }
    return undefined;
  }
}
