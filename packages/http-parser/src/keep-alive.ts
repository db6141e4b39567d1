import { equalsIgnoreCase } from './char-class.js';
import type { RequestHeader, ResponseHeader, Version } from './message-types.js';

/** Connection option flags (RFC 9110 7.6.1). */
export const CONN_CLOSE = 1;
/** `keep-alive` option (HTTP/1.0 persistence, RFC 9112 9.3 / appendix C.2.2). */
export const CONN_KEEP_ALIVE = 2;
/** `upgrade` option (RFC 9110 7.8). */
export const CONN_UPGRADE = 4;

/** ORs the flags of the options listed in every Connection field from `first` on. */
export function connectionFlags(
  names: readonly string[],
  values: readonly string[],
  first: number,
): number {
  let flags = 0;
  for (let i = first; i < names.length; i++) {
    if (i !== first && !equalsIgnoreCase(names[i] as string, 'connection')) continue;
    const v = values[i] as string;
    let start = 0;
    while (start <= v.length) {
      let comma = v.indexOf(',', start);
      if (comma < 0) comma = v.length;
      let s = start;
      let e = comma;
      while (s < e && (v.charCodeAt(s) === 32 || v.charCodeAt(s) === 9)) s++;
      while (e > s && (v.charCodeAt(e - 1) === 32 || v.charCodeAt(e - 1) === 9)) e--;
      const len = e - s;
      if (len === 5 && isLowerAt(v, s, 'close')) flags |= CONN_CLOSE;
      else if (len === 10 && isLowerAt(v, s, 'keep-alive')) flags |= CONN_KEEP_ALIVE;
      else if (len === 7 && isLowerAt(v, s, 'upgrade')) flags |= CONN_UPGRADE;
      start = comma + 1;
    }
  }
  return flags;
}

/** True when `v` holds `lower` at `at`, ignoring ASCII case (no substring is made). */
function isLowerAt(v: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++)
    if ((v.charCodeAt(at + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** RFC 9112 9.3: `close` ends it; HTTP/1.1 persists by default; HTTP/1.0 only with `keep-alive`. */
export function isPersistent(version: Version, flags: number): boolean {
  if ((flags & CONN_CLOSE) !== 0) return false;
  return version === 'HTTP/1.1' || (flags & CONN_KEEP_ALIVE) !== 0;
}

/**
 * Whether the connection may stay open after this message, judged from its own head only
 * (RFC 9112 9.3): a `close` connection option ends it, HTTP/1.1 persists by default, HTTP/1.0
 * only with `keep-alive`.
 *
 * @example
 * ```ts
 * isKeepAlive(new RequestHeader('GET', '/', 'HTTP/1.0', new HeaderMap([['Connection', 'keep-alive']]))); // true
 * ```
 */
export function isKeepAlive(head: RequestHeader | ResponseHeader): boolean {
  const h = head.headers;
  const first = h.indexOf('connection');
  return isPersistent(head.version, first < 0 ? 0 : connectionFlags(h.names, h.values, first));
}

/**
 * Whether a connection can carry another exchange after `request` and its `response`
 * (RFC 9112 9.3): both heads must allow it, and a response whose body is delimited by closing
 * the connection (`bodyIsCloseDelimited`) never does.
 */
export function shouldKeepAlive(
  request: RequestHeader,
  response: ResponseHeader,
  bodyIsCloseDelimited = false,
): boolean {
  return !bodyIsCloseDelimited && isKeepAlive(request) && isKeepAlive(response);
}
