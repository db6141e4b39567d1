import type { Backend } from '../backend.js';
import { ConsistentHash } from './consistent-hash.js';
import { FnvHash } from './fnv-hash.js';
import { LeastInFlight } from './least-in-flight.js';
import { PowerOfTwoChoices } from './power-of-two.js';
import { RandomSelection } from './random.js';
import { RoundRobin } from './round-robin.js';
import type { Selection, SelectionContext, SelectionFactory } from './selection.js';
import { SmoothWeightedRoundRobin } from './smooth-weighted.js';
import { WeightedRandom } from './weighted-random.js';

/**
 * Points multiplier of `consistent-hash`. Measured over N in 3..30 with every backend removed
 * in turn (test/selection.test.ts): at 1 (nginx's ring) the worst case moves 1/5 + 2.01% of the
 * keys, at 4 every case stays under 1/N + 2%.
 */
export const CONSISTENT_HASH_REPLICAS = 4;

/** The built-in algorithms by name. */
export const ALGORITHMS = {
  /** {@link RoundRobin}: in turn, weights ignored. */
  'round-robin': (backends: readonly Backend[]) => new RoundRobin(backends),
  /** {@link SmoothWeightedRoundRobin}: nginx's weighted round robin. */
  'smooth-weighted-round-robin': (backends: readonly Backend[]) =>
    new SmoothWeightedRoundRobin(backends),
  /** {@link RandomSelection}: uniform, weights ignored. */
  random: (backends: readonly Backend[], context: SelectionContext) =>
    new RandomSelection(backends, context),
  /** {@link WeightedRandom}: random in proportion to weight. */
  'weighted-random': (backends: readonly Backend[], context: SelectionContext) =>
    new WeightedRandom(backends, context),
  /** {@link LeastInFlight}: fewest requests in flight per unit of weight. */
  'least-in-flight': (backends: readonly Backend[], context: SelectionContext) =>
    new LeastInFlight(backends, context),
  /** {@link PowerOfTwoChoices}: the less loaded of two random backends. */
  'power-of-two-choices': (backends: readonly Backend[], context: SelectionContext) =>
    new PowerOfTwoChoices(backends, context),
  /**
   * {@link ConsistentHash}: ketama ring on the key with 4 x 160 points per weight unit, so that
   * removing one of N backends moves at most 1/N + 2% of the keys (nginx's 160 points let one
   * backend's share stray a little further).
   */
  'consistent-hash': (backends: readonly Backend[]) =>
    new ConsistentHash(backends, { replicas: CONSISTENT_HASH_REPLICAS }),
  /**
   * {@link ConsistentHash} with nginx's own ring (`hash $key consistent`, Pingora's ketama):
   * the same key goes to the same server as there, for moving traffic from nginx.
   */
  'consistent-hash-nginx': (backends: readonly Backend[]) => new ConsistentHash(backends),
  /** {@link FnvHash}: FNV-1a of the key mod N. */
  'fnv-hash': (backends: readonly Backend[]) => new FnvHash(backends),
} as const satisfies Record<string, SelectionFactory>;

/** The name of a built-in algorithm. */
export type AlgorithmName = keyof typeof ALGORITHMS;

/** Builds the algorithm `name` (or a custom factory) over `backends`. */
export function createSelection(
  algorithm: AlgorithmName | SelectionFactory,
  backends: readonly Backend[],
  context: SelectionContext,
): Selection {
  if (typeof algorithm === 'function') return algorithm(backends, context);
  if (!Object.hasOwn(ALGORITHMS, algorithm)) {
    throw new RangeError(`unknown selection algorithm ${JSON.stringify(algorithm)}`);
  }
  return ALGORITHMS[algorithm](backends, context);
}
