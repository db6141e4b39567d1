import type { Backend } from '../backend.js';

/** One answer of a discovery source. */
export interface DiscoveryResult {
  /** The complete set of backends now (not a delta). */
  readonly backends: readonly Backend[];
  /**
   * How long the answer stays valid, in ms (a DNS TTL). The background task asks again no
   * later than this (and no sooner than its floor). `undefined`: valid until the next interval.
   */
  readonly ttlMs?: number;
}

/**
 * Where backends come from. {@link ServiceDiscovery.discover} returns the full current set, or
 * rejects with a `PingoraError` (the load balancer then keeps the set it has). A source that can
 * tell when it changed (a watched file) also implements {@link ServiceDiscovery.watch}.
 */
export interface ServiceDiscovery {
  /** The current backends. */
  discover(): Promise<DiscoveryResult>;
  /** Calls `onChange` when the source may have changed; returns the function that stops it. */
  watch?(onChange: () => void): () => void;
}
