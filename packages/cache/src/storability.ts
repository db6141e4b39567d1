import type { RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import { CacheControl } from './cache-control.js';
import { HEURISTIC_STATUSES } from './freshness.js';

/** Statuses this cache understands (RFC 9111 section 3: it must not store others it does not). */
const UNDERSTOOD = new Set([
  200, 203, 204, 206, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501,
]);

/**
 * Why a response is not stored, or undefined when a shared cache may store it (RFC 9111
 * section 3, with 3.5 for Authorization): the request method is cacheable (GET), the status is
 * final and understood, neither side said `no-store` (unless with `must-understand`), the
 * response is not `private` (a qualified `private` only drops its fields), a request
 * with Authorization is answered `public`, `s-maxage` or `must-revalidate`, and the response
 * has explicit freshness, `public`, or a validator (then it is revalidated before each use
 * unless a Last-Modified heuristic makes it fresh).
 */
export function whyNotStorable(
  request: RequestHeader,
  response: ResponseHeader,
  requestCc: CacheControl = CacheControl.of(request.headers),
  responseCc: CacheControl = CacheControl.of(response.headers),
): string | undefined {
  if (request.method !== 'GET') return 'method';
  if (!UNDERSTOOD.has(response.status)) return 'status';
  if (response.status === 206) return 'partial content'; // ranges are served from full responses
  if (requestCc.has('no-store')) return 'request no-store';
  // must-understand (section 5.2.2.3): a cache that understands the status may ignore the
  // no-store sent alongside for caches that do not (the status was checked just above).
  if (responseCc.has('no-store') && !responseCc.has('must-understand')) return 'no-store';
  // A qualified private (section 5.2.2.7) makes only the named fields private: the response
  // is stored without them (see the caller); the unqualified form keeps it out of shared caches.
  if (responseCc.fieldNames('private')?.length === 0) return 'private';
  if ((response.headers.get('vary') ?? '').split(',').some((v) => v.trim() === '*'))
    return 'vary *';
  if (
    request.headers.has('authorization') &&
    !responseCc.has('public') &&
    !responseCc.has('s-maxage') &&
    !responseCc.has('must-revalidate')
  ) {
    return 'authorization';
  }
  const h = response.headers;
  const hasExplicit = responseCc.has('s-maxage') || responseCc.has('max-age') || h.has('expires');
  if (hasExplicit || responseCc.has('public')) return undefined;
  if (HEURISTIC_STATUSES.has(response.status) && h.has('last-modified')) return undefined;
  // Section 3 lets a cache store a response with a validator and no freshness: stale from the
  // start, it is revalidated before each use, and a 304 then saves sending the body again.
  if (h.has('etag') || h.has('last-modified')) return undefined;
  return 'no freshness information and no validator';
}
