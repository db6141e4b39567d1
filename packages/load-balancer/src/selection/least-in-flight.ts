import type { Backend } from '../backend.js';
import type { InFlightSlot } from '../in-flight.js';
import type { Accept, Selection, SelectionContext, SelectKey } from './selection.js';
import { walkLimit } from './selection.js';

/**
 * The backend with the fewest requests in flight relative to its weight (nginx `least_conn`:
 * compares conns/weight, here by cross-multiplying to stay in integers). Ties go round robin
 * (the scan starts one backend later each call), so idle backends share the load evenly. A
 * walk offers backends in increasing load order.
 */
export class LeastInFlight implements Selection {
  readonly backends: readonly Backend[];
  readonly #slots: InFlightSlot[];
  readonly #weights: Float64Array;
  #start = 0;

  constructor(backends: readonly Backend[], context: Pick<SelectionContext, 'inFlight'>) {
    this.backends = backends;
    this.#slots = backends.map((b) => context.inFlight.slot(b.addr));
    this.#weights = Float64Array.from(backends, (b) => b.weight);
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    const n = this.backends.length;
    const limit = walkLimit(maxIterations, n);
    if (limit === 0) return undefined;
    const start = this.#start;
    this.#start = start + 1 === n ? 0 : start + 1;
    let offered: Uint8Array | undefined;
    for (let step = 0; step < limit; step++) {
      const best = this.#least(start, offered);
      const backend = this.backends[best]!;
      if (accept === undefined || accept(backend)) return backend;
      offered ??= new Uint8Array(n);
      offered[best] = 1;
    }
    return undefined;
  }

  #least(start: number, offered: Uint8Array | undefined): number {
    const n = this.backends.length;
    const slots = this.#slots;
    const weights = this.#weights;
    let best = -1;
    let bestCount = 0;
    let bestWeight = 1;
    let i = start;
    for (let k = 0; k < n; k++) {
      if (offered === undefined || offered[i] === 0) {
        const count = slots[i]!.count;
        const weight = weights[i]!;
        // count/weight < bestCount/bestWeight, without division.
        if (best < 0 || count * bestWeight < bestCount * weight) {
          best = i;
          bestCount = count;
          bestWeight = weight;
        }
      }
      i = i + 1 === n ? 0 : i + 1;
    }
    return best;
  }
}
