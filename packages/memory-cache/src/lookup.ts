/**
 * What {@link MemoryCache.get} found (Pingora's `CacheStatus`):
 * - `hit`: a fresh value;
 * - `stale`: expired less than `staleWindowMs` ago; the value comes along, with how long ago;
 * - `expired`: expired longer ago; the entry is dropped, so the next lookup says `miss`;
 * - `miss`: nothing under the key.
 */
export type Lookup<V> =
  | { readonly status: 'hit'; readonly value: V }
  | { readonly status: 'stale'; readonly value: V; readonly staleForMs: number }
  | { readonly status: 'expired' }
  | { readonly status: 'miss' };

/**
 * How {@link MemoryCache.getOrLoad} got its value: `hit` from the cache; `miss`, `expired` or
 * `stale` when this caller ran the loader (saying what the lookup found); `lock-hit` when it
 * waited for another caller's load of the same key (single flight).
 */
export type LoadStatus = 'hit' | 'miss' | 'expired' | 'stale' | 'lock-hit';

/** The value and how {@link MemoryCache.getOrLoad} got it. */
export interface Loaded<V> {
  readonly value: V;
  readonly status: LoadStatus;
}

/** Per-entry options of `put`, `forcePut` and `getOrLoad`. */
export interface EntryOptions {
  /** Time to live in ms (`Infinity`: never expires). Default: the cache's `defaultTtlMs`. */
  ttlMs?: number;
  /** The entry's weight against `weightLimit`. Default 1. */
  weight?: number;
}
