/**
 * Why an idle connection left the pool without being handed out.
 *
 * - `remote-close`: the peer closed it (FIN, reset) or it was already closed when returned.
 * - `unexpected-data`: bytes arrived while idle (or were buffered when returned): the
 *   connection is out of step with the protocol and can never be reused safely.
 * - `idle-timeout`: it sat idle longer than its idle timeout.
 * - `per-key-cap`: a newer connection for the same peer pushed it out.
 * - `global-cap`: a newer connection for any peer pushed out this, the least recently returned.
 * - `explicit`: {@link ConnectionPool.evict} or {@link ConnectionPool.close}.
 * - `error`: the socket reported an error while idle.
 */
export type EvictionReason =
  | 'remote-close'
  | 'unexpected-data'
  | 'idle-timeout'
  | 'per-key-cap'
  | 'global-cap'
  | 'explicit'
  | 'error';

/** Every {@link EvictionReason}, in a fixed order. */
export const EVICTION_REASONS: readonly EvictionReason[] = [
  'remote-close',
  'unexpected-data',
  'idle-timeout',
  'per-key-cap',
  'global-cap',
  'explicit',
  'error',
];

/** A snapshot of a pool's counters. */
export interface PoolStats {
  /** `take` calls that handed out a connection. */
  readonly hits: number;
  /** `take` calls that found none. */
  readonly misses: number;
  /** `hits / (hits + misses)`, `0` before the first `take`. */
  readonly reuseRatio: number;
  /** Connections accepted by `put`. */
  readonly puts: number;
  /** Connections that left the pool other than by `take`, by reason. */
  readonly evictions: Readonly<Record<EvictionReason, number>>;
  /** Connections idle in the pool now. */
  readonly idle: number;
  /** Peer keys with at least one idle connection now. */
  readonly keys: number;
}

/** The mutable counters behind {@link PoolStats}. */
export class PoolCounters {
  hits = 0;
  misses = 0;
  puts = 0;
  readonly evictions: Record<EvictionReason, number> = {
    'remote-close': 0,
    'unexpected-data': 0,
    'idle-timeout': 0,
    'per-key-cap': 0,
    'global-cap': 0,
    explicit: 0,
    error: 0,
  };

  snapshot(idle: number, keys: number): PoolStats {
    const takes = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      reuseRatio: takes === 0 ? 0 : this.hits / takes,
      puts: this.puts,
      evictions: { ...this.evictions },
      idle,
      keys,
    };
  }
}
