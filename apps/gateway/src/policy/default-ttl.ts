import type { HeaderMap } from '@pingora-ts/http-parser';

/** Marks a Cache-Control the gateway added for its own cache, to be removed before the client. */
const MARKER = 'X-Pingora-Default-Ttl';

/**
 * A route's `default_ttl_seconds`: when the origin says nothing about freshness (no
 * Cache-Control, no Expires), the response is given `s-maxage` for the gateway's cache
 * (RFC 9111 section 5.2.2.10: a lifetime for shared caches only), marked so that
 * {@link removeDefaultTtl} takes it off again before the response (or a later hit of it)
 * reaches the client, which sees what the origin sent.
 */
export function applyDefaultTtl(headers: HeaderMap, seconds: number): void {
  if (headers.has('cache-control') || headers.has('expires')) return;
  headers.set('Cache-Control', `s-maxage=${seconds}`);
  headers.set(MARKER, '1');
}

/** Removes what {@link applyDefaultTtl} added. */
export function removeDefaultTtl(headers: HeaderMap): void {
  if (headers.remove(MARKER) > 0) headers.remove('cache-control');
}
