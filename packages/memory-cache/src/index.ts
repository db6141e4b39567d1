/**
 * An in-memory value cache on tinyufo (S3-FIFO + TinyLFU), after Pingora's
 * `pingora-memory-cache`: per-entry TTL on an injected clock, lookups answering `hit`, `stale`
 * (expired within a configured window, for stale-while-revalidate), `expired` or `miss`, and
 * single-flight `getOrLoad`: any number of concurrent misses on one key call the loader once,
 * and its value or its error reaches every waiter. Waiters give up after a lock timeout.
 *
 * @example
 * ```ts
 * import { MemoryCache } from '@pingora-ts/memory-cache';
 *
 * let now = 0;
 * const cache = new MemoryCache<string, number>({ weightLimit: 100, staleWindowMs: 500, clock: () => now });
 * const loads = await Promise.all([1, 2, 3].map(() => cache.getOrLoad('answer', async () => 42, { ttlMs: 1000 })));
 * console.log(loads.map((l) => l.status)); // [ 'miss', 'lock-hit', 'lock-hit' ]
 * now = 1200;
 * console.log(cache.get('answer')); // { status: 'stale', value: 42, staleForMs: 200 }
 * ```
 *
 * @packageDocumentation
 */
export type { EntryOptions, Loaded, LoadStatus, Lookup } from './lookup.js';
export { MemoryCache } from './memory-cache.js';
export {
  DEFAULTS,
  type LockTimeoutAction,
  type LockTimers,
  type MemoryCacheOptions,
} from './options.js';
