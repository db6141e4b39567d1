import type { HeaderMap, RequestHeader } from '@pingora-ts/http-parser';

/**
 * The primary cache key (RFC 9111 section 2): scheme, host and target of the request, plus
 * whatever the user adds (`cacheKeyCallback`). GET and HEAD share a key, so a HEAD is answered
 * from a stored GET (section 4: HEAD may be served from a GET response).
 */
export function primaryKey(request: RequestHeader, scheme: 'http' | 'https', extra = ''): string {
  const host = (request.headers.get('host') ?? '').toLowerCase();
  return `${scheme}://${host}${request.rawTarget}${extra === '' ? '' : `#${extra}`}`;
}

/** Field names a `Vary` value lists, lower-cased (`*` included as is). */
export function varyNames(headers: HeaderMap): string[] {
  const out: string[] = [];
  for (const field of headers.getAll('vary')) {
    for (const name of field.split(',')) {
      const n = name.trim().toLowerCase();
      if (n.length > 0 && !out.includes(n)) out.push(n);
    }
  }
  return out.sort();
}

/**
 * The secondary key of a request for a response that varies on `names` (RFC 9111 section
 * 4.1): each named field's values, whitespace-normalised, in a stable order. Absent and empty
 * fields are told apart.
 */
export function variantKey(names: readonly string[], request: HeaderMap): string {
  if (names.length === 0) return '';
  let key = '';
  for (const name of names) {
    const values = request.getAll(name);
    key += `${name}:${values.length === 0 ? '\u0000' : values.map((v) => v.replace(/\s*,\s*/g, ',')).join(',')}\n`;
  }
  return key;
}
