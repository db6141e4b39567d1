import type { ErrorKind } from '@pingora-ts/error';
import type { BodyFraming } from './body-framing.js';
import { FIELD_VALUE, HEX, TOKEN } from './char-class.js';
import { HeaderMap } from './header-map.js';
import { parseError } from './parse-error.js';
import { type ParseOptions, resolveOptions } from './parse-options.js';

/** What one {@link BodyDecoder.push} produced. */
export interface BodyChunk {
  /** Body bytes, in order: views into the pushed chunk, never copies. */
  readonly data: Uint8Array[];
  /** Bytes of the pushed chunk used; the rest belongs to the next message (or a tunnel). */
  readonly consumed: number;
  /** True once the body (and, for chunked, its trailer section) is complete. */
  readonly done: boolean;
}

const NO_DATA: Uint8Array[] = [];

// Chunked decoder states (RFC 9112 7.1).
const C_SIZE = 0; // first hex digit
const C_SIZE_MORE = 1;
const C_EXT_NAME = 2; // after ';'
const C_EXT_NAME_MORE = 3;
const C_EXT_VALUE = 4; // after '='
const C_EXT_TOKEN = 5;
const C_EXT_QUOTED = 6;
const C_EXT_ESCAPE = 7;
const C_EXT_AFTER_QUOTE = 8;
const C_SIZE_LF = 9;
const C_DATA = 10;
const C_DATA_CR = 11;
const C_DATA_LF = 12;
const C_TRAILER = 13; // collecting a trailer line up to LF
const C_DONE = 14;

// 2^53: a chunk size or body length past it cannot be counted exactly.
const MAX_SIZE = 2 ** 53;

/**
 * Decodes one message body given its {@link BodyFraming}: Content-Length, chunked (sizes,
 * extensions, trailers; RFC 9112 7.1), or close-delimited. Push the bytes after the head (and
 * then every later chunk); each call returns the body bytes found as views into that chunk,
 * how many bytes it used and whether the body is complete. Call {@link BodyDecoder.end} at EOF.
 *
 * @example
 * ```ts
 * const d = new BodyDecoder(CHUNKED_BODY, 'response');
 * const r = d.push(Buffer.from('2\r\nhi\r\n0\r\n\r\nNEXT'));
 * // r.data: [<'hi'>], r.consumed: 15, r.done: true
 * ```
 */
export class BodyDecoder {
  private readonly framing: BodyFraming;
  private readonly isRequest: boolean;
  private readonly maxBodySize: number;
  private readonly maxChunkLine: number;
  private state = C_SIZE;
  private remaining = 0;
  private size = 0;
  private total = 0;
  private seen = 0; // body bytes (framing included) consumed, for error offsets
  private lineLength = 0;
  private trailerLine: number[] = [];
  private trailerBytes = 0;
  private isDone: boolean;
  /** Trailer fields of a chunked body, once complete (undefined when none were sent). */
  trailers: HeaderMap | undefined;

  /**
   * @param framing - from the head parser.
   * @param side - whose body: `request` errors have source `downstream`, `response` `upstream`.
   * @param options - `maxBodySize` and `maxChunkLineLength` (see {@link PARSE_DEFAULTS}).
   */
  constructor(framing: BodyFraming, side: 'request' | 'response', options?: ParseOptions) {
    const o = resolveOptions(options);
    this.framing = framing;
    this.isRequest = side === 'request';
    this.maxBodySize = o.maxBodySize;
    this.maxChunkLine = o.maxChunkLineLength;
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.isDone =
      framing.kind === 'none' ||
      framing.kind === 'upgrade' ||
      (framing.kind === 'length' && framing.length === 0);
    if (framing.kind === 'length' && framing.length > this.maxBodySize) {
      this.fail('BodyTooLarge', 'Content-Length larger than maxBodySize', 0);
    }
  }

  /** True once the whole body has been decoded. */
  get done(): boolean {
    return this.isDone;
  }

  /** Body bytes decoded so far. */
  get bodyBytes(): number {
    return this.total;
  }

  private fail(kind: ErrorKind, rule: string, offset: number): never {
    this.state = -1;
    throw parseError(kind, this.isRequest ? 'downstream' : 'upstream', rule, offset);
  }

  /** Decodes the next bytes of the stream. */
  push(chunk: Uint8Array): BodyChunk {
    if (this.isDone) return { data: NO_DATA, consumed: 0, done: true };
    const kind = this.framing.kind;
    if (kind === 'length') {
      const n = Math.min(this.remaining, chunk.length);
      this.remaining -= n;
      this.total += n;
      this.seen += n;
      if (this.remaining === 0) this.isDone = true;
      return {
        data: n === 0 ? NO_DATA : [n === chunk.length ? chunk : chunk.subarray(0, n)],
        consumed: n,
        done: this.isDone,
      };
    }
    if (kind === 'close') {
      this.total += chunk.length;
      this.seen += chunk.length;
      if (this.total > this.maxBodySize)
        this.fail('BodyTooLarge', 'body larger than maxBodySize', this.seen);
      return { data: chunk.length === 0 ? NO_DATA : [chunk], consumed: chunk.length, done: false };
    }
    return this.pushChunked(chunk);
  }

  /**
   * The connection reached EOF. Completes a close-delimited body; for any other framing an
   * unfinished body is an error (RFC 9112 8: incomplete message).
   */
  end(): void {
    if (this.isDone) return;
    if (this.framing.kind === 'close') {
      this.isDone = true;
      return;
    }
    this.fail('H1Error', 'RFC 9112 8: connection closed before the body was complete', this.seen);
  }

  private pushChunked(chunk: Uint8Array): BodyChunk {
    const end = chunk.length;
    let data: Uint8Array[] = NO_DATA;
    let pos = 0;
    let state = this.state;
    const base = this.seen;
    while (pos < end) {
      const c = chunk[pos] as number;
      if (state === C_DATA) {
        const n = Math.min(this.remaining, end - pos);
        if (data === NO_DATA) data = [];
        data.push(chunk.subarray(pos, pos + n));
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) state = C_DATA_CR;
        continue;
      }
      if (state <= C_EXT_AFTER_QUOTE && ++this.lineLength > this.maxChunkLine) {
        this.fail('H1Error', 'chunk-size line longer than maxChunkLineLength', base + pos);
      }
      switch (state) {
        case C_SIZE: {
          const h = HEX[c] as number;
          if (h === 0)
            this.fail('H1Error', 'RFC 9112 7.1: chunk size is not hexadecimal', base + pos);
          this.size = h - 1;
          state = C_SIZE_MORE;
          break;
        }
        case C_SIZE_MORE: {
          const h = HEX[c] as number;
          if (h !== 0) {
            this.size = this.size * 16 + (h - 1);
            if (this.size >= MAX_SIZE)
              this.fail('H1Error', 'RFC 9112 7.1: chunk size overflows 2^53', base + pos);
          } else if (c === 13) {
            state = C_SIZE_LF;
          } else if (c === 59) {
            state = C_EXT_NAME;
          } else {
            this.fail('H1Error', 'RFC 9112 7.1: chunk size is not hexadecimal', base + pos);
          }
          break;
        }
        case C_EXT_NAME:
          if (TOKEN[c] !== 1)
            this.fail('H1Error', 'RFC 9112 7.1.1: invalid chunk extension name', base + pos);
          state = C_EXT_NAME_MORE;
          break;
        case C_EXT_NAME_MORE:
          if (TOKEN[c] === 1) break;
          if (c === 61) state = C_EXT_VALUE;
          else if (c === 59) state = C_EXT_NAME;
          else if (c === 13) state = C_SIZE_LF;
          else this.fail('H1Error', 'RFC 9112 7.1.1: invalid chunk extension name', base + pos);
          break;
        case C_EXT_VALUE:
          if (c === 34) state = C_EXT_QUOTED;
          else if (TOKEN[c] === 1) state = C_EXT_TOKEN;
          else this.fail('H1Error', 'RFC 9112 7.1.1: invalid chunk extension value', base + pos);
          break;
        case C_EXT_TOKEN:
          if (TOKEN[c] === 1) break;
          if (c === 59) state = C_EXT_NAME;
          else if (c === 13) state = C_SIZE_LF;
          else this.fail('H1Error', 'RFC 9112 7.1.1: invalid chunk extension value', base + pos);
          break;
        case C_EXT_QUOTED:
          // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 5.6.4)
          if (c === 34) state = C_EXT_AFTER_QUOTE;
          else if (c === 92) state = C_EXT_ESCAPE;
          else if (FIELD_VALUE[c] !== 1)
            this.fail(
              'H1Error',
              'RFC 9110 5.6.4: invalid character in a quoted chunk extension',
              base + pos,
            );
          break;
        case C_EXT_ESCAPE:
          if (FIELD_VALUE[c] !== 1)
            this.fail('H1Error', 'RFC 9110 5.6.4: invalid quoted-pair', base + pos);
          state = C_EXT_QUOTED;
          break;
        case C_EXT_AFTER_QUOTE:
          if (c === 59) state = C_EXT_NAME;
          else if (c === 13) state = C_SIZE_LF;
          else this.fail('H1Error', 'RFC 9112 7.1.1: invalid chunk extension', base + pos);
          break;
        case C_SIZE_LF:
          if (c !== 10)
            this.fail('H1Error', 'RFC 9112 2.2: bare CR after chunk size', base + pos - 1);
          this.lineLength = 0;
          if (this.size === 0) {
            state = C_TRAILER;
          } else {
            this.total += this.size;
            if (this.total > this.maxBodySize)
              this.fail('BodyTooLarge', 'chunked body larger than maxBodySize', base + pos);
            this.remaining = this.size;
            state = C_DATA;
          }
          break;
        case C_DATA_CR:
          if (c !== 13)
            this.fail('H1Error', 'RFC 9112 7.1: chunk data not followed by CRLF', base + pos);
          state = C_DATA_LF;
          break;
        case C_DATA_LF:
          if (c !== 10)
            this.fail('H1Error', 'RFC 9112 2.2: bare CR after chunk data', base + pos - 1);
          state = C_SIZE;
          break;
        case C_TRAILER: {
          if (++this.trailerBytes > this.maxChunkLine) {
            this.fail(
              'HeaderTooLarge',
              'trailer section larger than maxChunkLineLength',
              base + pos,
            );
          }
          if (c !== 10) {
            this.trailerLine.push(c);
            break;
          }
          if (this.trailerLine.length === 1 && this.trailerLine[0] === 13) {
            state = C_DONE;
            pos++;
            this.state = state;
            this.seen = base + pos;
            this.isDone = true;
            return { data, consumed: pos, done: true };
          }
          this.addTrailer(base + pos);
          break;
        }
        default:
          this.fail('H1Error', 'body decoder used after an error', base + pos);
      }
      pos++;
    }
    this.state = state;
    this.seen = base + pos;
    return { data, consumed: pos, done: false };
  }

  /** Parses the collected trailer line (ending in CR, LF just seen) as a field (RFC 9112 7.1.2). */
  private addTrailer(offset: number): void {
    const line = this.trailerLine;
    this.trailerLine = [];
    const n = line.length - 1;
    const at = offset - line.length;
    if (n < 0 || line[n] !== 13)
      this.fail('InvalidHTTPHeader', 'RFC 9112 2.2: bare LF in trailer section', offset);
    let i = 0;
    while (i < n && TOKEN[line[i] as number] === 1) i++;
    if (i === 0 || i === n || line[i] !== 58) {
      const c = line[i] as number;
      if (c === 32 || c === 9)
        this.fail(
          'InvalidHTTPHeader',
          'RFC 9112 5.1: whitespace between field name and colon',
          at + i,
        );
      this.fail(
        'InvalidHTTPHeader',
        'RFC 9110 5.1: invalid character in a trailer field name',
        at + i,
      );
    }
    const name = String.fromCharCode(...line.slice(0, i));
    let s = i + 1;
    let e = n;
    for (let k = s; k < n; k++) {
      if (FIELD_VALUE[line[k] as number] !== 1)
        this.fail('InvalidHTTPHeader', 'RFC 9110 5.5: control character in a field value', at + k);
    }
    while (s < e && (line[s] === 32 || line[s] === 9)) s++;
    while (e > s && (line[e - 1] === 32 || line[e - 1] === 9)) e--;
    const value = String.fromCharCode(...line.slice(s, e));
    if (this.trailers === undefined) this.trailers = new HeaderMap();
    this.trailers.names.push(name);
    this.trailers.values.push(value);
  }
}
