import type { Backend } from '../backend.js';
import type { InFlight } from '../in-flight.js';

/** The key hash-based algorithms hash (a path, a client address, a session id). */
export type SelectKey = string | Uint8Array;

/**
 * Decides whether a candidate may be used: false skips it (unhealthy, already tried on this
 * request, excluded by a route) and the walk moves to the algorithm's next candidate.
 */
export type Accept = (backend: Backend) => boolean;

/**
 * A selection algorithm built over one snapshot of backends. Discovery changes rebuild it.
 *
 * {@link Selection.select} walks candidates in the algorithm's own order, calling `accept` on
 * each, and returns the first accepted one. It examines at most `maxIterations` candidates and
 * never offers the same backend twice in one walk, so a retry that rejects the backends it
 * already tried gets a fresh one in the order the algorithm would have chosen next.
 */
export interface Selection {
  /** The backends this selection chooses from, in their discovery order. */
  readonly backends: readonly Backend[];
  /**
   * The first candidate `accept` accepts, or `undefined` when none of the first
   * `maxIterations` candidates (or all backends) was accepted.
   */
  select(key: SelectKey, maxIterations: number, accept?: Accept): Backend | undefined;
}

/** What a selection may use besides the backends. */
export interface SelectionContext {
  /** Uniform random numbers in [0, 1); injected so tests can be exact. */
  readonly random: () => number;
  /** Requests in flight per backend. */
  readonly inFlight: InFlight;
}

/** Builds a selection over a snapshot of backends. */
export type SelectionFactory = (
  backends: readonly Backend[],
  context: SelectionContext,
) => Selection;

/** How many candidates a walk may examine: at most every backend once. */
export function walkLimit(maxIterations: number, size: number): number {
  return maxIterations < size ? Math.max(0, Math.floor(maxIterations)) : size;
}
