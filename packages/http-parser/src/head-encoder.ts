import { Buffer } from 'node:buffer';
import { isToken, TARGET } from './char-class.js';
import type { HeaderMap } from './header-map.js';
import type { RequestHeader, ResponseHeader } from './message-types.js';

// Heads are written byte by byte straight into their Buffer. Building the wire form as a
// string first (a piece per field, then a flat copy, then the bytes) made about 1.4 KB of
// garbage per head; names, values, targets and reasons are validated to one byte per
// character, so each character is its own byte (latin1).

/** Writes `text` at `at`, one byte per character; returns the offset after it. */
function writeText(out: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

/** Bytes of the field lines and the final CRLF: `name: value CRLF` each. */
function fieldsByteLength(h: HeaderMap): number {
  const names = h.names;
  const values = h.values;
  let n = 2;
  for (let i = 0; i < names.length; i++) n += names[i]!.length + values[i]!.length + 4;
  return n;
}

/** Writes the field lines and the final CRLF at `at`; returns the offset after them. */
function writeFields(out: Buffer, at: number, h: HeaderMap): number {
  // The names and values were validated when they were added.
  const names = h.names;
  const values = h.values;
  for (let i = 0; i < names.length; i++) {
    at = writeText(out, at, names[i]!);
    out[at++] = 0x3a; // ':'
    out[at++] = 0x20;
    at = writeText(out, at, values[i]!);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
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
  const { method, rawTarget: target, version } = head;
  if (!isToken(method)) throw new TypeError(`invalid method ${JSON.stringify(method)}`);
  checkTarget(target);
  const size = method.length + target.length + version.length + 4 + fieldsByteLength(head.headers);
  const out = Buffer.allocUnsafe(size);
  let at = writeText(out, 0, method);
  out[at++] = 0x20;
  at = writeText(out, at, target);
  out[at++] = 0x20;
  at = writeText(out, at, version);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  writeFields(out, at, head.headers);
  return out;
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
  const version = head.version;
  const headSize = version.length + reason.length + 7 + fieldsByteLength(head.headers);
  const out = Buffer.allocUnsafe(headSize + (body?.length ?? 0));
  let at = writeText(out, 0, version);
  out[at++] = 0x20;
  out[at++] = 0x30 + Math.floor(status / 100);
  out[at++] = 0x30 + (Math.floor(status / 10) % 10);
  out[at++] = 0x30 + (status % 10);
  out[at++] = 0x20;
  at = writeText(out, at, reason);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  at = writeFields(out, at, head.headers);
  if (body !== undefined && body.length > 0) out.set(body, at);
  return out;
}
