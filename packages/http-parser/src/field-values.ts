import { equalsIgnoreCase } from './char-class.js';

/**
 * Content-Length value (RFC 9110 8.6: 1*DIGIT) of the bytes buf[start, end) as a number, or -1
 * when they are not a plain decimal or exceed 2^53 - 1 (no JavaScript number could count the
 * bytes exactly).
 */
export function contentLengthOf(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= 0 || n > 16) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = (buf[i] as number) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}

/**
 * Reads the transfer codings of every Transfer-Encoding field from `first` on, in order
 * (RFC 9112 6.1). Returns 1 when the final coding is chunked, 0 when it is another coding
 * (or there is none), -1 when chunked appears before the end or more than once.
 */
export function finalCodingIsChunked(
  names: readonly string[],
  values: readonly string[],
  first: number,
): number {
  let seenChunked = false;
  let lastIsChunked = false;
  for (let i = first; i < names.length; i++) {
    if (i !== first && !equalsIgnoreCase(names[i] as string, 'transfer-encoding')) continue;
    const v = values[i] as string;
    let start = 0;
    while (start <= v.length) {
      let comma = v.indexOf(',', start);
      if (comma < 0) comma = v.length;
      let s = start;
      let e = comma;
      while (s < e && (v.charCodeAt(s) === 32 || v.charCodeAt(s) === 9)) s++;
      const semi = v.indexOf(';', s);
      if (semi >= 0 && semi < e) e = semi;
      while (e > s && (v.charCodeAt(e - 1) === 32 || v.charCodeAt(e - 1) === 9)) e--;
      if (e > s) {
        const isChunked = e - s === 7 && equalsIgnoreCase(v.slice(s, e), 'chunked');
        if (seenChunked) return -1; // anything after chunked, including a second chunked
        seenChunked = isChunked;
        lastIsChunked = isChunked;
      }
      start = comma + 1;
    }
  }
  return lastIsChunked ? 1 : 0;
}
