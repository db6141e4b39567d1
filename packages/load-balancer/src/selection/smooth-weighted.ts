import type { Backend } from '../backend.js';
import type { Accept, Selection, SelectKey } from './selection.js';

/**
 * nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every pick adds each
 * backend's weight to its current weight, takes the backend with the largest current weight
 * (the first listed on a tie) and subtracts the total weight from it. Weights {a:5, b:1, c:1}
 * give a a b a c a a, spreading the heavy backend instead of sending it five in a row.
 *
 * Unlike the other algorithms, this one asks `accept` about every backend during its one scan,
 * exactly where nginx checks each peer for `down`, failures and the request's `tried` bitmap:
 * a rejected backend takes no part in the round, so its current weight does not grow while it
 * is out (which would send it a burst when it comes back), and the picks among the rest are
 * exactly the sequence of a pool without it. `maxIterations` below 1 selects nothing; otherwise
 * one scan decides.
 *
 * nginx also lowers a failing peer's effective weight and lets it recover; here health decides
 * separately (a backend is in or out), so the effective weight is the configured weight.
 */
export class SmoothWeightedRoundRobin implements Selection {
  readonly backends: readonly Backend[];
  readonly #weights: Float64Array;
  readonly #current: Float64Array;

  constructor(backends: readonly Backend[]) {
    this.backends = backends;
    this.#weights = Float64Array.from(backends, (b) => b.weight);
    this.#current = new Float64Array(backends.length);
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    if (!(maxIterations >= 1)) return undefined;
    const list = this.backends;
    const weights = this.#weights;
    const current = this.#current;
    let best = -1;
    let total = 0;
    for (let i = 0; i < list.length; i++) {
      if (accept !== undefined && !accept(list[i]!)) continue;
      current[i]! += weights[i]!;
      total += weights[i]!;
      if (best < 0 || current[i]! > current[best]!) best = i;
    }
    if (best < 0) return undefined;
    current[best]! -= total;
    return list[best];
  }
}
