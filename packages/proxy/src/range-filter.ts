import { randomBytes } from 'node:crypto';
import type { HeaderMap } from '@pingora-ts/http-parser';

/** One byte range, both ends inclusive (RFC 9110 section 14.1.1). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Most ranges honoured in one request: more is a denial-of-service shape; the whole body goes instead. */
export const MAX_RANGES = 16;

/**
 * Parses a `Range` field against a representation of `size` bytes (RFC 9110 section 14.1.2):
 * `first-last`, `first-` and `-suffix`. Returns the satisfiable ranges, `'unsatisfiable'` when
 * none is (a 416), or `undefined` when the field must be ignored (another unit, bad syntax,
 * more than `maxRanges`), which serves the whole representation.
 */
export function parseRange(
  value: string,
  size: number,
  maxRanges = MAX_RANGES,
): ByteRange[] | 'unsatisfiable' | undefined {
  const eq = value.indexOf('=');
  if (eq < 0 || value.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const specs = value.slice(eq + 1).split(',');
  if (specs.length > maxRanges) return undefined;
  const out: ByteRange[] = [];
  for (const raw of specs) {
    const spec = raw.trim();
    const dash = spec.indexOf('-');
    if (dash < 0) return undefined;
    const first = spec.slice(0, dash);
    const last = spec.slice(dash + 1);
    if (!/^\d*$/.test(first) || !/^\d*$/.test(last) || (first === '' && last === '')) {
      return undefined;
    }
    if (first === '') {
      // suffix-range: the last N bytes
      const n = Number(last);
      if (n === 0 || size === 0) continue;
      out.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined; // invalid: the field is ignored
    if (start >= size) continue; // unsatisfiable on its own
    out.push({ start, end });
  }
  return out.length === 0 ? 'unsatisfiable' : out;
}

/**
 * `If-Range` (RFC 9110 section 13.1.5): true when the stored validator still matches, so the
 * range applies. An entity-tag must match the ETag strongly; a date must equal Last-Modified.
 */
export function ifRangeMatches(ifRange: string, response: HeaderMap): boolean {
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) {
    const etag = response.get('etag');
    return etag !== undefined && !v.startsWith('W/') && !etag.startsWith('W/') && etag === v;
  }
  const lastModified = response.get('last-modified');
  return lastModified !== undefined && Date.parse(lastModified) === Date.parse(v);
}

/**
 * Cuts byte ranges out of a streamed body: one range as a plain 206, several as
 * `multipart/byteranges` (RFC 9110 section 14.6). Ranges in ascending order without overlap
 * stream as the bytes pass; any other order is served from the body kept whole.
 */
export class RangeBody {
  /** Exact length of what {@link RangeBody.push} and {@link RangeBody.finish} produce. */
  readonly contentLength: number;
  /** `Content-Type` of the 206 (the original type for one range, multipart for several). */
  readonly contentType: string | undefined;
  /** `Content-Range` of a single-range 206. */
  readonly contentRange: string | undefined;
  private readonly ranges: readonly ByteRange[];
  private readonly size: number;
  private readonly partHeads: Buffer[];
  private readonly tail: Buffer | undefined;
  private readonly isStreaming: boolean;
  private readonly whole: Buffer | undefined;
  private offset = 0;
  private index = 0;
  private isInPart = false;

  constructor(ranges: readonly ByteRange[], size: number, type: string | undefined) {
    this.ranges = ranges;
    this.size = size;
    const isMulti = ranges.length > 1;
    let isAscending = true;
    for (let i = 1; i < ranges.length; i++) {
      if ((ranges[i] as ByteRange).start <= (ranges[i - 1] as ByteRange).end) isAscending = false;
    }
    this.isStreaming = isAscending;
    this.whole = isAscending ? undefined : Buffer.allocUnsafe(size);
    if (!isMulti) {
      const r = ranges[0] as ByteRange;
      this.contentType = type;
      this.contentRange = `bytes ${r.start}-${r.end}/${size}`;
      this.partHeads = [Buffer.alloc(0)];
      this.tail = undefined;
      this.contentLength = r.end - r.start + 1;
      return;
    }
    const boundary = randomBytes(12).toString('hex');
    this.contentType = `multipart/byteranges; boundary=${boundary}`;
    this.contentRange = undefined;
    this.partHeads = ranges.map((r, i) =>
      Buffer.from(
        `${i === 0 ? '' : '\r\n'}--${boundary}\r\n` +
          (type === undefined ? '' : `Content-Type: ${type}\r\n`) +
          `Content-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
        'latin1',
      ),
    );
    this.tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
    let length = this.tail.length;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i] as ByteRange;
      length += (this.partHeads[i] as Buffer).length + r.end - r.start + 1;
    }
    this.contentLength = length;
  }

  /** Takes the next body bytes; returns what to send for them (possibly nothing). */
  push(chunk: Uint8Array): Uint8Array[] {
    const from = this.offset;
    this.offset += chunk.length;
    if (!this.isStreaming) {
      const room = Math.max(0, Math.min(chunk.length, this.size - from));
      (this.whole as Buffer).set(chunk.subarray(0, room), from);
      return [];
    }
    const out: Uint8Array[] = [];
    const to = this.offset; // exclusive
    while (this.index < this.ranges.length) {
      const r = this.ranges[this.index] as ByteRange;
      if (r.start >= to) break;
      if (!this.isInPart) {
        const head = this.partHeads[this.index] as Buffer;
        if (head.length > 0) out.push(head);
        this.isInPart = true;
      }
      const a = Math.max(r.start, from) - from;
      const b = Math.min(r.end + 1, to) - from;
      if (b > a) out.push(chunk.subarray(a, b));
      if (r.end + 1 > to) break; // the range goes on in the next chunk
      this.index++;
      this.isInPart = false;
    }
    return out;
  }

  /** What is left to send once the body ended. */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.isStreaming) {
      const whole = this.whole as Buffer;
      this.ranges.forEach((r, i) => {
        const head = this.partHeads[i] as Buffer;
        if (head.length > 0) out.push(head);
        out.push(whole.subarray(r.start, r.end + 1));
      });
    }
    if (this.tail !== undefined) out.push(this.tail);
    return out;
  }
}
