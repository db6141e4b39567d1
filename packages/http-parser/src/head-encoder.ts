import { isToken, TARGET } from './char-class.js';
import type { HeaderMap } from './header-map.js';
import type { RequestHeader, ResponseHeader } from './message-types.js';

function fieldsLength(h: HeaderMap): string {
  // The wire form of the fields; names and values were validated when they were added.
  const names = h.names;
  const values = h.values;
  let s = '';
  for (let i = 0; i < names.length; i++) s += `${names[i]}: ${values[i]}\r\n`;
  return s;
}

function checkTarget(target: string): void {
  if (target.length === 0) throw new TypeError('empty request-target');
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c > 0xff || TARGET[c] !== 1)
      throw new TypeError(`invalid request-target ${JSON.stringify(target)}`);
  }
}

/**
 * Serialises a request head (RFC 9112 3) into one Buffer: request line, fields in their
 * original case and order, final CRLF. Strings are written as latin1 (one byte per char).
 * Throws a TypeError for a method that is not a token or a target with SP/controls.
 *
 * @example
 * ```ts
 * encodeRequestHead(new RequestHeader('GET', '/', 'HTTP/1.1', new HeaderMap([['Host', 'a']])));
 * // <Buffer 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'>
 * ```
 */
export function encodeRequestHead(head: RequestHeader): Buffer {
  if (!isToken(head.method)) throw new TypeError(`invalid method ${JSON.stringify(head.method)}`);
  checkTarget(head.rawTarget);
  const s = `${head.method} ${head.rawTarget} ${head.version}\r\n${fieldsLength(head.headers)}\r\n`;
  return Buffer.from(s, 'latin1');
}

/**
 * Serialises a response head (RFC 9112 4) into one Buffer. The reason phrase may be empty
 * (the SP after the status code is still written, as the grammar requires).
 *
 * @param body - bytes to place right after the head in the same Buffer (a small whole body,
 *   so that head and body leave in one write); the caller frames them (Content-Length).
 */
export function encodeResponseHead(head: ResponseHeader, body?: Uint8Array): Buffer {
  const status = head.status;
  if (!Number.isInteger(status) || status < 100 || status > 999)
    throw new TypeError(`invalid status ${status}`);
  const reason = head.reason;
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c > 0xff || (c < 0x20 && c !== 9) || c === 0x7f)
      throw new TypeError('invalid reason phrase');
  }
  const s = `${head.version} ${status} ${reason}\r\n${fieldsLength(head.headers)}\r\n`;
  if (body === undefined || body.length === 0) return Buffer.from(s, 'latin1');
  const out = Buffer.allocUnsafe(s.length + body.length);
  out.write(s, 0, 'latin1');
  out.set(body, s.length);
  return out;
}
