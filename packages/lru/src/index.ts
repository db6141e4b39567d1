/**
 * A weighted LRU cache with count and weight (byte) limits, O(1) operations, eviction
 * callbacks, iteration from the most to the least recently used, and statistics. Entries live
 * in preallocated parallel arrays with typed-array links, so a warm cache allocates nothing per
 * `get` or `set`.
 *
 * @example
 * ```ts
 * import { Lru } from '@pingora-ts/lru';
 *
 * const cache = new Lru<string, string>({ maxCount: 3, maxWeight: 10 });
 * cache.set('a', 'alpha', 4);
 * cache.set('b', 'beta', 4);
 * cache.get('a'); // 'a' is now the most recently used
 * console.log(cache.set('c', 'gamma', 4)); // [{ key: 'b', value: 'beta', weight: 4 }]
 * ```
 *
 * @packageDocumentation
 */
export { type Evicted, LRU_DEFAULTS, Lru, type LruOptions, type LruStats } from './lru.js';
