import { Buffer } from 'node:buffer';
import type { HeaderMap } from './header-map.js';

const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Frames `data` as one chunk (RFC 9112 7.1): returns `[size line, data, CRLF]` for a
 * vectored write (`socket.cork()` / `writev`), so the data itself is never copied. Empty data
 * gives `[]`, since a zero-size chunk would end the body.
 *
 * @example
 * ```ts
 * Buffer.concat(encodeChunk(Buffer.from('hello'))).toString(); // '5\r\nhello\r\n'
 * ```
 */
export function encodeChunk(data: Uint8Array): Uint8Array[] {
  if (data.length === 0) return [];
  return [Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, CRLF];
}

/** Frames `data` as one chunk in a single new Buffer (copies `data`; for small writes). */
export function encodeChunkCopy(data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  const size = data.length.toString(16);
  const out = Buffer.allocUnsafe(size.length + 4 + data.length);
  out.write(size, 0, 'latin1');
  out[size.length] = 13;
  out[size.length + 1] = 10;
  out.set(data, size.length + 2);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** The last chunk and trailer section that end a chunked body (RFC 9112 7.1, 7.1.2). */
export function encodeLastChunk(trailers?: HeaderMap): Buffer {
  return Buffer.from(`0\r\n${trailers === undefined ? '' : trailers.toString()}\r\n`, 'latin1');
}
