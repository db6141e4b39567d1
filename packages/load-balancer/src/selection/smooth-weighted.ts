import { type Backend, MAX_WEIGHT } from '../backend.js';
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
  // Int32 is enough: current weights stay within [-total, total] and the total is at most
  // 10,000 (MAX_WEIGHT) per backend.
  readonly #weights: Int32Array;
  readonly #current: Int32Array;

  constructor(backends: readonly Backend[]) {
    this.backends = backends;
    if (backends.length * MAX_WEIGHT > 0x7fffffff) {
      throw new RangeError('smooth weighted round robin takes at most 214,748 backends');
    }
    this.#weights = Int32Array.from(backends, (b) => b.weight);
    this.#current = new Int32Array(backends.length);
  }

  select(_key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined {
    if (!(maxIterations >= 1)) return undefined;
    const list = this.backends;
    const weights = this.#weights;
    const current = this.#current;
    const n = list.length;
    let best = -1;
    let bestValue = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (accept !== undefined && !accept(list[i]!)) continue;
      const weight = weights[i]!;
      const value = current[i]! + weight;
      current[i] = value;
      total += weight;
      // Strictly greater: the first listed wins a tie, as in nginx.
      if (best < 0 || value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    if (best < 0) return undefined;
    current[best]! -= total;
    return list[best];
  }
}
