/**
 * An RFC 9111 shared HTTP cache for Pingora-TS. Keys are scheme, host and target (plus the
 * user's material) with Vary variants; freshness follows section 4.2 (s-maxage, max-age,
 * Expires, heuristics from Last-Modified, Age); request and response directives (no-cache,
 * no-store, max-age, max-stale, min-fresh, only-if-cached, private, must-revalidate,
 * proxy-revalidate, public, stale-while-revalidate, stale-if-error) and the Authorization rule
 * are honoured; stale responses are revalidated with If-None-Match / If-Modified-Since and a 304
 * refreshes the stored fields; concurrent misses on one key make one upstream request (the cache
 * lock); every answer says what happened in `Cache-Status` (RFC 9211). Storage is an interface
 * with an in-memory backend that evicts by bytes (TinyUFO or LRU).
 *
 * @example
 * ```ts
 * import { HttpCache } from '@pingora-ts/cache';
 * import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
 *
 * let now = Date.parse('2026-11-23T10:00:00Z');
 * const cache = new HttpCache({ clock: () => now });
 * const get = () => new RequestHeader('GET', '/logo.svg', 'HTTP/1.1', new HeaderMap([['Host', 'example.test']]));
 *
 * const first = cache.begin(get(), { scheme: 'https' });
 * console.log((await first.lookup()).kind);
 * const origin = new ResponseHeader(
 *   200,
 *   'OK',
 *   'HTTP/1.1',
 *   new HeaderMap([
 *     ['Date', new Date(now).toUTCString()],
 *     ['Cache-Control', 'max-age=60'],
 *   ]),
 * );
 * const decision = first.onUpstreamResponse(origin);
 * if (decision.kind === 'store') {
 *   decision.writer.write(Buffer.from('<svg/>'));
 *   await decision.writer.finish();
 * }
 * first.finish();
 *
 * now += 10_000;
 * const second = cache.begin(get(), { scheme: 'https' });
 * const found = await second.lookup();
 * if (found.kind === 'hit') {
 *   const head = found.response.head;
 *   console.log(head.headers.get('age'), head.headers.get('cache-status'), found.response.body.toString());
 * }
 * second.finish();
 * ```
 *
 * @packageDocumentation
 */
export { CacheControl } from './cache-control.js';
export { primaryKey, variantKey, varyNames } from './cache-key.js';
export { CacheLock } from './cache-lock.js';
export type { CachedObject, CacheMeta, CacheStorage } from './cache-storage.js';
export {
  type AgeInputs,
  correctedInitialAge,
  currentAge,
  FRESHNESS_DEFAULTS,
  type FreshnessOptions,
  freshnessLifetime,
  HEURISTIC_STATUSES,
  isHeuristic,
  parseHttpDate,
  residentTime,
} from './freshness.js';
export {
  CACHE_DEFAULTS,
  type CachedResponse,
  CacheRequest,
  type CacheStats,
  type CacheWriter,
  HttpCache,
  type HttpCacheOptions,
  type LookupResult,
  type UpstreamDecision,
} from './http-cache.js';
export {
  MEMORY_STORAGE_DEFAULTS,
  MemoryStorage,
  type MemoryStorageOptions,
  objectWeight,
} from './memory-storage.js';
export { whyNotStorable } from './storability.js';
export { type StoredPolicy, storedPolicy } from './stored-policy.js';
