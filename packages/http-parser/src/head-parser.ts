import type { ErrorKind, ErrorSource } from '@pingora-ts/error';
import {
  type BodyFraming,
  CHUNKED_BODY,
  CLOSE_DELIMITED_BODY,
  lengthBody,
  NO_BODY,
  UPGRADE_BODY,
} from './body-framing.js';
import { FIELD_VALUE, TARGET, TOKEN } from './char-class.js';
import { contentLengthOf, finalCodingIsChunked } from './field-values.js';
import { HeaderMap } from './header-map.js';
import { CONN_CLOSE, CONN_UPGRADE, connectionFlags, isPersistent } from './keep-alive.js';
import { type Method, RequestHeader, ResponseHeader, type Version } from './message-types.js';
import { parseError } from './parse-error.js';
import { type ParseOptions, resolveOptions } from './parse-options.js';

/** What a head parser returns once a whole head has arrived. */
export interface ParsedHead<H> {
  /** The head. */
  readonly head: H;
  /**
   * Bytes of the LAST chunk passed to `push`, counted from its `start` (0 unless given), that
   * belong to the head; the rest of that chunk (from `start + consumed` on) is body, the next
   * message, or tunnelled bytes (upgrade).
   */
  readonly consumed: number;
  /** How the body is delimited (RFC 9112 6.3). */
  readonly body: BodyFraming;
  /** Whether the connection may carry another message after this one (RFC 9112 9.3). */
  readonly keepAlive: boolean;
  /**
   * Requests: the client asks to switch protocols (`Connection: upgrade` and an `Upgrade`
   * field, RFC 9110 7.8); the server decides. Responses: the response is a 101 or a 2xx to
   * CONNECT, and the bytes from `consumed` on belong to the new protocol.
   */
  readonly upgrade: boolean;
}

/** A parsed request head with its framing. */
export type ParsedRequest = ParsedHead<RequestHeader>;
/** A parsed response head with its framing. */
export type ParsedResponse = ParsedHead<ResponseHeader>;

/**
 * Node's latin1 decoder, called on any Uint8Array (it takes every ArrayBufferView): one
 * character per byte, without wrapping a non-Buffer chunk in a Buffer first.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1Slice }).latin1Slice;
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;

// Scanner states. Each names the next byte expected.
const S_LEADING = 0; // empty lines before the start line (RFC 9112 2.2 lets servers ignore them)
const S_LEADING_LF = 1;
const S_METHOD = 2;
const S_TARGET = 3;
const S_VERSION = 4; // "HTTP/1.x", 8 bytes, counted by `vi`
const S_STATUS = 5; // three digits
const S_STATUS_END = 6; // SP or line end after the status code
const S_REASON = 7;
const S_START_LF = 9;
const S_LINE = 10; // start of a field line or of the empty line ending the head
const S_NAME = 11;
const S_OWS = 12;
const S_VALUE = 13;
const S_VALUE_LF = 14;
const S_END_LF = 15;

/** The 4 bytes of `buf` from `pos` as a little-endian 32-bit integer (`pos + 3` in range). */
function wordAt(buf: Uint8Array, pos: number): number {
  return (
    (buf[pos] as number) |
    ((buf[pos + 1] as number) << 8) |
    ((buf[pos + 2] as number) << 16) |
    ((buf[pos + 3] as number) << 24)
  );
}

/**
 * The field arrays of a head that has none yet; never written to (flush makes arrays of the
 * right size for the first fields, and takeHeaders fresh ones for a head without fields).
 * Frozen, so that a write into it (a bug) throws instead of leaking into every later head.
 */
const NO_FIELDS = Object.freeze([]) as unknown as string[];
const NO_STASH = new Uint8Array(0);

/**
 * Spans of the fields a scan has found and not yet made strings of, per field [nameStart,
 * nameEnd, valueStart, valueEnd], shared by every parser. A scan makes the strings of its
 * spans (flush) before it returns, and a scan that throws leaves its parser failed, its spans
 * never read again (`reset` forgets them); scans run one at a time. So one array serves every
 * parser, and creating a parser allocates nothing but the parser (an upstream exchange makes
 * one per response).
 */
let fieldSpans = new Int32Array(64);

/** Bytes of a value or target checked one by one before a long one goes word by word. */
const SHORT_RUN = 16;
/** Shortest rest of the chunk worth the word-at-a-time skip (see HeadScanner.skipWords). */
const WORD_RUN = 16;

const VERSION_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

// Lower-case names of the fields that decide framing, as bytes.
const N_HOST = bytesOf('host');
const N_UPGRADE = bytesOf('upgrade');
const N_CONNECTION = bytesOf('connection');
const N_CONTENT_LENGTH = bytesOf('content-length');
const N_TRANSFER_ENCODING = bytesOf('transfer-encoding');

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The minor version (0 or 1) when buf[pos, pos + 8) is "HTTP/1.0" or "HTTP/1.1", else -1. */
function versionAt(buf: Uint8Array, pos: number): number {
  if (
    buf[pos] !== 0x48 || // H
    buf[pos + 1] !== 0x54 || // T
    buf[pos + 2] !== 0x54 || // T
    buf[pos + 3] !== 0x50 || // P
    buf[pos + 4] !== 0x2f || // /
    buf[pos + 5] !== 0x31 || // 1
    buf[pos + 6] !== 0x2e // .
  ) {
    return -1;
  }
  const minor = (buf[pos + 7] as number) - 0x30;
  return minor === 0 || minor === 1 ? minor : -1;
}

/** Whether buf[pos, pos + 4) is "GET ". */
function isGetSp(buf: Uint8Array, pos: number): boolean {
  return buf[pos] === 0x47 && buf[pos + 1] === 0x45 && buf[pos + 2] === 0x54 && buf[pos + 3] === 32;
}

/** Heads with at most this many fields pending... (see flushSmall). */
const SMALL_HEAD_FIELDS = 3;
/** ...and at most this many bytes from the first string to the last are made from bytes. */
const SMALL_HEAD_BYTES = 64;

/** Longest string made with String.fromCharCode (see bytesToString). */
const SHORT_STRING = 12;

const fromCharCode = String.fromCharCode;

/**
 * b[s, e) as a latin1 string: String.fromCharCode with one argument per byte up to SHORT_STRING
 * bytes (no native call), else one decode.
 */
function bytesToString(b: Uint8Array, s: number, e: number): string {
  // biome-ignore format: one case per length
  switch (e - s) {
    case 0: return '';
    case 1: return fromCharCode(b[s]!);
    case 2: return fromCharCode(b[s]!, b[s + 1]!);
    case 3: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    case 10: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!);
    case 11: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!);
    case 12: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!);
    default: return latin1Slice.call(b, s, e);
  }
}

/**
 * Field names common enough in small heads to keep one string of each, as sent (exact case;
 * the short ones only: a head with a longer string is decoded, see flush).
 */
const COMMON_NAMES = [
  'Host',
  'Accept',
  'User-Agent',
  'Connection',
  'Content-Type',
  'Cookie',
  'Date',
  'Server',
  'Origin',
  'Referer',
  'Range',
  'Upgrade',
  'Location',
  'Expires',
  'ETag',
  'Vary',
  'host',
  'accept',
  'user-agent',
  'connection',
  'content-type',
];
/**
 * Short strings found by their bytes: keyed by length and first byte, `(length << 8) |
 * firstByte`, so that a lookup compares one candidate (no two strings may share both).
 */
class StringTable {
  private readonly bytes: (Uint8Array | undefined)[];
  private readonly texts: string[];

  constructor(strings: readonly string[]) {
    this.bytes = new Array<Uint8Array | undefined>((SHORT_STRING + 1) << 8).fill(undefined);
    this.texts = new Array<string>((SHORT_STRING + 1) << 8).fill('');
    for (const text of strings) {
      const key = (text.length << 8) | text.charCodeAt(0);
      if (this.bytes[key] !== undefined) throw new Error(`StringTable: two strings at ${key}`);
      this.bytes[key] = bytesOf(text);
      this.texts[key] = text;
    }
  }

  /** The string whose bytes are exactly buf[start, end), if the table has it. */
  find(buf: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    if (length > SHORT_STRING || length === 0) return undefined;
    const key = (length << 8) | (buf[start] as number);
    const bytes = this.bytes[key];
    if (bytes === undefined) return undefined;
    for (let i = 1; i < length; i++) if (buf[start + i] !== bytes[i]) return undefined;
    return this.texts[key];
  }
}

const NAME_TABLE = new StringTable(COMMON_NAMES);

/**
 * The strings of the first `n` pending fields (spans in `fieldSpans`) of a small head in `buf`,
 * into names[at...] and values[at...]: common names from NAME_TABLE, the rest from their bytes.
 */
function fillSmallFields(
  buf: Uint8Array,
  n: number,
  names: string[],
  values: string[],
  at: number,
): void {
  const spans = fieldSpans;
  for (let k = 0, i = at; k < 4 * n; k += 4, i++) {
    const ns = spans[k] as number;
    const ne = spans[k + 1] as number;
    names[i] = NAME_TABLE.find(buf, ns, ne) ?? bytesToString(buf, ns, ne);
    values[i] = bytesToString(buf, spans[k + 2] as number, spans[k + 3] as number);
  }
}

function nameIs(buf: Uint8Array, start: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++)
    if (((buf[start + i] as number) | 0x20) !== lower[i]) return false;
  return true;
}

// Well-known methods, so the common ones cost no string allocation.
const METHODS: readonly string[] = [
  'GET',
  'PUT',
  'POST',
  'HEAD',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
];
const METHOD_BYTES = METHODS.map(bytesOf);

/**
 * The shared scanner of {@link RequestHeadParser} and {@link ResponseHeadParser}: a byte-at-a-time
 * state machine with tight inner loops per field. Input may come in chunks of any size. A line
 * split across chunks is copied into a small growable buffer and scanning resumes where it
 * stopped: no byte is validated twice.
 */
abstract class HeadScanner {
  protected readonly isRequest: boolean;
  protected readonly source: ErrorSource;
  protected readonly maxHeadSize: number;
  protected readonly maxHeaders: number;
  protected readonly maxRequestLineLength: number;
  protected readonly lenientLineEnds: boolean;
  protected readonly lenientObsFold: boolean;

  // Scanner state (positions are relative to the buffer being scanned).
  private state = S_LEADING;
  private vi = 0;
  private lineStart = 0;
  private markStart = 0; // method / name / reason start
  private markEnd = 0;
  private valueStart = 0;
  private valueEnd = 0;
  private isFolding = false;
  /** Bytes of this head seen before the buffer being scanned (for offsets and limits). */
  private base = 0;
  protected headStart = 0; // offset of the start line (after leading empty lines)

  // The partial line carried over between chunks (allocated when a line first spans two).
  private stash: Uint8Array = NO_STASH;
  private stashLen = 0;
  private stashPos = 0;

  // Fields of the current buffer whose strings are not made yet: `pending` of them, their
  // spans in the shared `fieldSpans` (see there); and the start line's method (when it is not
  // a well-known one), target and reason. -1 marks a start-line span as not pending.
  private pending = 0;
  protected methodStart = -1;
  protected methodEnd = -1;
  protected targetStart = -1;
  protected targetEnd = -1;
  protected reasonStart = -1;
  protected reasonEnd = -1;

  // What has been parsed so far.
  protected method = '';
  protected target = '';
  protected minor = 1;
  protected status = 0;
  protected reason = '';
  protected names: string[] = NO_FIELDS;
  protected values: string[] = NO_FIELDS;
  protected hostCount = 0;
  protected clIndex = -1;
  protected clCount = 0;
  protected clValue = -1;
  protected teIndex = -1;
  protected teCount = 0;
  protected connIndex = -1;
  protected hasUpgradeField = false;
  protected specialOffset = 0;

  constructor(isRequest: boolean, options: ParseOptions | undefined) {
    const o = resolveOptions(options);
    this.isRequest = isRequest;
    this.source = isRequest ? 'downstream' : 'upstream';
    this.maxHeadSize = o.maxHeadSize;
    this.maxHeaders = o.maxHeaders;
    this.maxRequestLineLength = o.maxRequestLineLength;
    this.lenientLineEnds = !isRequest && o.lenientLineEnds;
    this.lenientObsFold = !isRequest && o.lenientObsFold;
    this.state = S_LEADING;
  }

  /**
   * Forgets any partial head and any earlier `Connection: close`, ready for a new connection.
   */
  reset(): void {
    this.isClosed = false;
    this.clear();
  }

  /** True after a message with `Connection: close`: no further message may follow (RFC 9112 9.6). */
  protected isClosed = false;

  protected clear(): void {
    this.state = S_LEADING;
    this.vi = 0;
    this.base = 0;
    this.headStart = 0;
    this.stashLen = 0;
    this.stashPos = 0;
    this.isFolding = false;
    this.names = NO_FIELDS;
    this.values = NO_FIELDS;
    this.pending = 0;
    this.methodStart = -1;
    this.targetStart = -1;
    this.reasonStart = -1;
    this.hostCount = 0;
    this.clIndex = -1;
    this.clCount = 0;
    this.clValue = -1;
    this.teIndex = -1;
    this.teCount = 0;
    this.connIndex = -1;
    this.hasUpgradeField = false;
    this.status = 0;
    this.reason = '';
  }

  /** Bytes of the current head received so far, empty lines before it not counted. */
  get pendingBytes(): number {
    return this.state <= S_LEADING_LF ? 0 : this.base + this.stashLen - this.headStart;
  }

  /**
   * The connection reached EOF. Throws when it cut a head short (RFC 9112 8: an incomplete
   * message); EOF between messages, or after empty lines, is a clean close.
   */
  end(): void {
    if (this.pendingBytes > 0) {
      this.fail(
        'H1Error',
        'RFC 9112 8: connection closed inside a message head',
        this.base + this.stashLen,
      );
    }
  }

  protected fail(kind: ErrorKind, rule: string, offset: number, name?: string): never {
    this.state = -1;
    throw parseError(kind, this.source, rule, offset, name);
  }

  /**
   * Scans `input` from `start`; returns the index just past the head's final LF, or -1 when
   * more is needed.
   */
  protected scanChunk(input: Uint8Array, start: number): number {
    if (this.state < 0) this.fail('H1Error', 'parser used after an error', this.base);
    if (!(start >= 0 && start <= input.length)) {
      throw new RangeError(`start ${start} is outside the chunk (length ${input.length})`);
    }
    if (this.isClosed && input.length > start) {
      this.fail('H1Error', 'RFC 9112 9.6: data after a message with Connection: close', 0);
    }
    const chunk = input;
    let from = start;
    if (this.stashLen > 0) {
      // Finish the carried-over line first: it ends at the chunk's first LF at the latest.
      const lf = chunk.indexOf(10, start);
      const take = lf < 0 ? chunk.length : lf + 1;
      this.appendStash(chunk.subarray(start), take - start);
      const stashBase = this.base;
      const at = this.scan(this.stash, this.stashPos, this.stashLen);
      if (at >= 0) {
        this.stashLen = 0;
        return take;
      }
      if (this.lineStart < this.stashLen) {
        // Still inside that line (no LF in this chunk).
        this.stashPos = this.stashLen;
        this.checkPartial(this.stashLen - this.lineStart);
        return -1;
      }
      // The line completed; continue in the chunk itself (chunk[take] is at stashBase + stashLen).
      this.base = stashBase + this.stashLen - take;
      this.stashLen = 0;
      this.lineStart = take;
      from = take;
    } else {
      this.base -= start; // so that base + index is the offset of chunk[index] in the head
      this.lineStart = start; // no partial line: the chunk starts a line
    }
    const chunkBase = this.base;
    const done = this.scan(chunk, from, chunk.length);
    if (done >= 0) return done;
    // Keep the partial line; rebase the marks onto the stash.
    const ls = this.lineStart;
    const partial = chunk.length - ls;
    this.base = chunkBase + ls;
    if (partial === 0) {
      this.lineStart = 0;
      this.checkPartial(0);
      return -1;
    }
    this.stashLen = 0;
    this.appendStash(chunk.subarray(ls), partial);
    this.stashPos = partial;
    this.lineStart = 0;
    this.markStart -= ls;
    this.markEnd -= ls;
    this.valueStart -= ls;
    this.valueEnd -= ls;
    this.checkPartial(partial);
    return -1;
  }

  private appendStash(src: Uint8Array, n: number): void {
    const need = this.stashLen + n;
    if (need > this.stash.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.stash.length * 2, 256));
      bigger.set(this.stash.subarray(0, this.stashLen));
      this.stash = bigger;
    }
    this.stash.set(src.subarray(0, n), this.stashLen);
    this.stashLen = need;
  }

  private checkPartial(partialLine: number): void {
    const seen = this.base + partialLine;
    if (
      this.state <= S_START_LF &&
      this.isRequest &&
      seen - this.headStart > this.maxRequestLineLength
    ) {
      this.fail('UriTooLong', 'request line longer than maxRequestLineLength', this.base);
    }
    if (seen - this.headStart > this.maxHeadSize) {
      this.fail('HeaderTooLarge', 'head larger than maxHeadSize', this.base);
    }
  }

  /** Runs the state machine over buf[pos, end); returns the index past the head or -1. */
  private scan(buf: Uint8Array, pos: number, end: number): number {
    let state = this.state;
    const base = this.base;
    while (pos < end) {
      let c = buf[pos] as number;
      switch (state) {
        case S_LINE: {
          this.lineStart = pos;
          if (TOKEN[c] === 1) {
            this.markStart = pos;
            this.isFolding = false;
            state = S_NAME;
            pos++;
            break;
          }
          if (c === 13) {
            state = S_END_LF;
            pos++;
            break;
          }
          if (c === 10 && this.lenientLineEnds) {
            this.state = state;
            return this.endOfHead(buf, pos + 1, base);
          }
          if (c === 32 || c === 9) {
            if (this.names.length + this.pending === 0) {
              this.fail(
                'InvalidHTTPHeader',
                'RFC 9112 2.2: whitespace after the start line',
                base + pos,
              );
            }
            if (!this.lenientObsFold) {
              this.fail('InvalidHTTPHeader', 'RFC 9112 5.2: obs-fold (line folding)', base + pos);
            }
            this.isFolding = true;
            this.valueStart = 0;
            this.valueEnd = 0;
            state = S_OWS;
            pos++;
            break;
          }
          this.lineError(c, base + pos, 'RFC 9110 5.1: invalid character in a field name');
          break;
        }
        case S_NAME: {
          while (TOKEN[c] === 1 && ++pos < end) c = buf[pos] as number;
          if (pos === end) break;
          if (c === 58) {
            this.markEnd = pos;
            this.valueStart = 0;
            this.valueEnd = 0;
            state = S_OWS;
            pos++;
            // "name: v", the usual shape: straight into the value, not a round through S_OWS.
            if (end - pos >= 2 && buf[pos] === 32 && FIELD_VALUE[buf[pos + 1] as number] === 1) {
              const first = buf[pos + 1] as number;
              if (first !== 32 && first !== 9) {
                pos += 2;
                this.valueStart = pos - 1;
                this.valueEnd = pos;
                state = S_VALUE;
              }
            }
            break;
          }
          if (c === 32 || c === 9) {
            this.fail(
              'InvalidHTTPHeader',
              'RFC 9112 5.1: whitespace between field name and colon',
              base + pos,
            );
          }
          this.lineError(c, base + pos, 'RFC 9110 5.1: invalid character in a field name');
          break;
        }
        case S_OWS: {
          while ((c === 32 || c === 9) && ++pos < end) c = buf[pos] as number;
          if (pos === end) break;
          if (c === 13) {
            state = S_VALUE_LF;
            pos++;
            break;
          }
          if (FIELD_VALUE[c] === 1) {
            this.valueStart = pos;
            this.valueEnd = ++pos;
            state = S_VALUE;
            break;
          }
          if (c === 10 && this.lenientLineEnds) {
            this.addField(buf, base + pos);
            state = S_LINE;
            pos++;
            this.lineStart = pos;
            break;
          }
          this.valueError(c, base + pos);
          break;
        }
        case S_VALUE: {
          // One table load per byte; a value still going after SHORT_RUN bytes goes on four
          // bytes per step (skipWords), then bytewise again. Trailing whitespace is trimmed
          // once the line ends.
          const stop = Math.min(pos + SHORT_RUN, end);
          while (FIELD_VALUE[c] === 1 && ++pos < stop) c = buf[pos] as number;
          if (pos === stop && pos < end) {
            if (end - pos >= WORD_RUN) pos = this.skipWords(buf, pos, end, false);
            c = buf[pos] as number;
            while (FIELD_VALUE[c] === 1 && ++pos < end) c = buf[pos] as number;
          }
          if (pos === end) break;
          let e = pos;
          while ((buf[e - 1] === 32 || buf[e - 1] === 9) && e > this.valueStart) e--;
          this.valueEnd = e;
          if (c === 13) {
            if (pos + 1 < end && buf[pos + 1] === 10) {
              // CRLF in hand: finish the field without another round through the switch.
              pos += 2;
              this.addField(buf, base + pos - 1);
              this.lineStart = pos;
              if (pos - this.headStart + base > this.maxHeadSize) {
                this.fail('HeaderTooLarge', 'head larger than maxHeadSize', base + pos);
              }
              state = S_LINE;
              // The next line's first byte, without a round through S_LINE: most often another
              // name starts, or the empty line ends the head.
              if (pos < end) {
                c = buf[pos] as number;
                if (TOKEN[c] === 1) {
                  this.markStart = pos;
                  this.isFolding = false;
                  state = S_NAME;
                  pos++;
                } else if (c === 13 && end - pos >= 2 && buf[pos + 1] === 10) {
                  this.state = S_END_LF;
                  return this.endOfHead(buf, pos + 2, base);
                }
              }
              break;
            }
            state = S_VALUE_LF;
            pos++;
            break;
          }
          if (c === 10 && this.lenientLineEnds) {
            this.addField(buf, base + pos);
            state = S_LINE;
            pos++;
            this.lineStart = pos;
            break;
          }
          this.valueError(c, base + pos);
          break;
        }
        case S_VALUE_LF: {
          if (c !== 10) this.fail('InvalidHTTPHeader', 'RFC 9112 2.2: bare CR', base + pos - 1);
          this.addField(buf, base + pos);
          pos++;
          this.lineStart = pos;
          if (pos - this.headStart + base > this.maxHeadSize) {
            this.fail('HeaderTooLarge', 'head larger than maxHeadSize', base + pos);
          }
          state = S_LINE;
          break;
        }
        case S_END_LF: {
          if (c !== 10) this.fail('InvalidHTTPHeader', 'RFC 9112 2.2: bare CR', base + pos - 1);
          this.state = state;
          return this.endOfHead(buf, pos + 1, base);
        }
        case S_LEADING: {
          if (c === 13) {
            this.lineStart = pos;
            state = S_LEADING_LF;
            pos++;
            break;
          }
          this.headStart = base + pos;
          this.lineStart = pos;
          this.markStart = pos;
          this.vi = 0;
          state = this.isRequest ? S_METHOD : S_VERSION;
          if (c === 0x47 && state === S_METHOD && end - pos >= 4 && isGetSp(buf, pos)) {
            // "GET ", the most common start, without the token loop and the method lookup.
            this.method = 'GET';
            pos += 4;
            this.markStart = pos;
            state = S_TARGET;
          }
          break;
        }
        case S_LEADING_LF: {
          if (c !== 10) this.fail('H1Error', 'RFC 9112 2.2: bare CR', base + pos - 1);
          state = S_LEADING;
          pos++;
          this.lineStart = pos;
          break;
        }
        case S_METHOD: {
          while (TOKEN[c] === 1 && ++pos < end) c = buf[pos] as number;
          if (pos === end) break;
          if (c !== 32 || pos === this.markStart) {
            this.fail('H1Error', 'RFC 9112 3.1: invalid character in the method token', base + pos);
          }
          this.method = this.methodOf(buf, this.markStart, pos);
          if (this.method === '') {
            this.methodStart = this.markStart;
            this.methodEnd = pos;
          }
          pos++;
          this.markStart = pos;
          state = S_TARGET;
          break;
        }
        case S_TARGET: {
          const stop = Math.min(pos + SHORT_RUN, end);
          while (TARGET[c] === 1 && ++pos < stop) c = buf[pos] as number;
          if (pos === stop && pos < end) {
            if (end - pos >= WORD_RUN) pos = this.skipWords(buf, pos, end, true);
            c = buf[pos] as number;
            while (TARGET[c] === 1 && ++pos < end) c = buf[pos] as number;
          }
          if (pos === end) break;
          if (c !== 32 || pos === this.markStart) {
            if (c === 13 || c === 10) {
              this.fail('H1Error', 'RFC 9112 3: request line without an HTTP version', base + pos);
            }
            this.fail(
              'H1Error',
              'RFC 9112 3.2: invalid character in the request-target',
              base + pos,
            );
          }
          this.targetStart = this.markStart;
          this.targetEnd = pos;
          pos++;
          this.vi = 0;
          state = S_VERSION;
          break;
        }
        case S_VERSION: {
          // The whole version in this buffer (the usual case): its eight bytes in one step, not
          // eight rounds through the switch; anything else goes byte by byte for the exact error.
          const minor = this.vi === 0 && end - pos >= 8 ? versionAt(buf, pos) : -1;
          if (minor >= 0) {
            this.minor = minor;
            pos += 8;
            if (this.isRequest && end - pos >= 2 && buf[pos] === 13 && buf[pos + 1] === 10) {
              pos += 2;
              this.startLineEnded(base, pos);
              state = S_LINE;
              if (pos < end && TOKEN[buf[pos] as number] === 1) {
                this.markStart = pos;
                this.isFolding = false;
                state = S_NAME;
                pos++;
              }
              break;
            }
            this.vi = 8;
            break;
          }
          const vi = this.vi;
          if (vi < 7) {
            if (c !== VERSION_PREFIX[vi])
              this.fail('H1Error', 'RFC 9112 2.3: invalid HTTP version', base + pos);
          } else if (vi === 7) {
            if (c !== 0x30 && c !== 0x31)
              this.fail('H1Error', 'RFC 9112 2.3: unsupported HTTP version', base + pos);
            this.minor = c - 0x30;
          } else if (this.isRequest) {
            if (c === 13) state = S_START_LF;
            else
              this.fail('H1Error', 'RFC 9112 3: expected CRLF after the HTTP version', base + pos);
          } else if (c === 32) {
            state = S_STATUS;
            this.status = 0;
            this.vi = 0;
            pos++;
            break;
          } else {
            this.fail('H1Error', 'RFC 9112 4: expected SP after the HTTP version', base + pos);
          }
          this.vi = vi + 1;
          pos++;
          break;
        }
        case S_STATUS: {
          if (c < 0x30 || c > 0x39)
            this.fail('H1Error', 'RFC 9112 4: status code is three digits', base + pos);
          this.status = this.status * 10 + (c - 0x30);
          pos++;
          if (++this.vi === 3) state = S_STATUS_END;
          break;
        }
        case S_STATUS_END: {
          if (c === 32) {
            pos++;
            this.markStart = pos;
            state = S_REASON;
          } else if (c === 13) {
            this.reason = '';
            pos++;
            state = S_START_LF;
          } else if (c === 10 && this.lenientLineEnds) {
            this.reason = '';
            pos++;
            this.lineStart = pos;
            state = S_LINE;
          } else {
            this.fail('H1Error', 'RFC 9112 4: status code is three digits', base + pos);
          }
          break;
        }
        case S_REASON: {
          while (FIELD_VALUE[c] === 1 && ++pos < end) c = buf[pos] as number;
          if (pos === end) break;
          if (c === 13) {
            this.reasonStart = this.markStart;
            this.reasonEnd = pos;
            state = S_START_LF;
            pos++;
            break;
          }
          if (c === 10 && this.lenientLineEnds) {
            this.reasonStart = this.markStart;
            this.reasonEnd = pos;
            state = S_LINE;
            pos++;
            this.lineStart = pos;
            break;
          }
          this.valueError(c, base + pos);
          break;
        }
        case S_START_LF: {
          if (c !== 10) this.fail('H1Error', 'RFC 9112 2.2: bare CR', base + pos - 1);
          pos++;
          this.startLineEnded(base, pos);
          state = S_LINE;
          break;
        }
        default:
          this.fail('H1Error', 'parser used after an error', base + pos);
      }
    }
    this.state = state;
    this.flush(buf);
    return -1;
  }

  /** The start line ended just before buf[pos]: the first field line starts there. */
  private startLineEnded(base: number, pos: number): void {
    this.lineStart = pos;
    if (this.isRequest && base + pos - this.headStart > this.maxRequestLineLength + 2) {
      this.fail('UriTooLong', 'request line longer than maxRequestLineLength', this.headStart);
    }
  }

  /**
   * Makes the strings of the spans recorded in `buf` with one latin1 decode of the bytes they
   * cover (a native call per field costs more than decoding the whole head once), then
   * string slices; a small head's few short strings are made from their bytes instead
   * (flushSmall), which costs less than that one native call.
   */
  private flush(buf: Uint8Array, isSmall = this.pendingIsSmall()): void {
    const n = this.pending;
    if (isSmall) {
      this.flushSmall(buf, n);
      return;
    }
    const lo = this.pendingLo();
    if (lo < 0) return; // nothing pending
    const hi = this.pendingHi();
    const spans = fieldSpans;
    const text = latin1Slice.call(buf, lo, hi);
    if (this.methodStart >= 0) {
      this.method = text.slice(this.methodStart - lo, this.methodEnd - lo);
      this.methodStart = -1;
    }
    if (this.targetStart >= 0) {
      this.target = text.slice(this.targetStart - lo, this.targetEnd - lo);
      this.targetStart = -1;
    }
    if (this.reasonStart >= 0) {
      this.reason = text.slice(this.reasonStart - lo, this.reasonEnd - lo);
      this.reasonStart = -1;
    }
    let i = this.startFields(n);
    const names = this.names;
    const values = this.values;
    for (let k = 0; k < 4 * n; k += 4) {
      names[i] = text.slice((spans[k] as number) - lo, (spans[k + 1] as number) - lo);
      const vs = spans[k + 2] as number;
      const ve = spans[k + 3] as number;
      values[i++] = ve > vs ? text.slice(vs - lo, ve - lo) : '';
    }
    this.pending = 0;
  }

  /**
   * Index of the first of `n` fields about to be added. The first fields of a head get arrays
   * of exactly their number: filled from empty ones, each would get room for 17 (V8's first
   * growth), about 270 bytes of garbage per head with a few fields.
   */
  private startFields(n: number): number {
    const i = this.names.length;
    if (i === 0 && n > 0) {
      this.names = new Array<string>(n);
      this.values = new Array<string>(n);
    }
    return i;
  }

  /**
   * Whether the pending strings make a small head: at most SMALL_HEAD_FIELDS fields, each
   * string at most SHORT_STRING bytes, SMALL_HEAD_BYTES from the first to the last (false when
   * nothing is pending).
   */
  private pendingIsSmall(): boolean {
    const n = this.pending;
    if (n > SMALL_HEAD_FIELDS) return false;
    const lo = this.pendingLo();
    return lo >= 0 && this.pendingHi() - lo <= SMALL_HEAD_BYTES && this.spansAreShort(n);
  }

  /** Offset in the scanned buffer of the first pending string, -1 when none is pending. */
  private pendingLo(): number {
    if (this.methodStart >= 0) return this.methodStart;
    if (this.targetStart >= 0) return this.targetStart;
    if (this.reasonStart >= 0) return this.reasonStart;
    return this.pending > 0 ? (fieldSpans[0] as number) : -1;
  }

  /** Offset just past the last pending string (when one is pending, see pendingLo). */
  private pendingHi(): number {
    const n = this.pending;
    if (n > 0) {
      const k = 4 * (n - 1);
      return Math.max(fieldSpans[k + 1] as number, fieldSpans[k + 3] as number);
    }
    if (this.reasonStart >= 0) return this.reasonEnd;
    if (this.targetStart >= 0) return this.targetEnd;
    return this.methodEnd;
  }

  /** Whether every string pending (start line's and `n` fields') is at most SHORT_STRING bytes. */
  private spansAreShort(n: number): boolean {
    if (this.targetStart >= 0 && this.targetEnd - this.targetStart > SHORT_STRING) return false;
    if (this.reasonStart >= 0 && this.reasonEnd - this.reasonStart > SHORT_STRING) return false;
    if (this.methodStart >= 0 && this.methodEnd - this.methodStart > SHORT_STRING) return false;
    const spans = fieldSpans;
    for (let k = 0; k < 4 * n; k += 2) {
      if ((spans[k + 1] as number) - (spans[k] as number) > SHORT_STRING) return false;
    }
    return true;
  }

  /**
   * {@link flush} for a small head: each string made from its bytes (String.fromCharCode, no
   * native call), which for a few short strings costs less than one latin1 decode and slices.
   */
  private flushSmall(buf: Uint8Array, n: number): void {
    if (this.methodStart >= 0) {
      this.method = bytesToString(buf, this.methodStart, this.methodEnd);
      this.methodStart = -1;
    }
    if (this.targetStart >= 0) {
      this.target = bytesToString(buf, this.targetStart, this.targetEnd);
      this.targetStart = -1;
    }
    if (this.reasonStart >= 0) {
      this.reason = bytesToString(buf, this.reasonStart, this.reasonEnd);
      this.reasonStart = -1;
    }
    const at = this.startFields(n); // first: it may replace the arrays
    fillSmallFields(buf, n, this.names, this.values, at);
    this.pending = 0;
  }

  /**
   * Skips whole 4-byte words of buf[pos, end - 1) whose bytes all belong to a field value (SP,
   * VCHAR, obs-text; a tab ends the run) or, for `isTarget`, to a request-target (0x21-0x7E);
   * returns the index of the first word that does not, which the byte loop then reads. At
   * least one byte is always left for it. Checked with SWAR bit tricks: a word has a byte below
   * n when (w - n*0x01010101) & ~w & 0x80808080 is not zero (n <= 0x80), and a zero byte (of w
   * XOR 0x7F7F7F7F, so a DEL) likewise with n = 1.
   */
  private skipWords(buf: Uint8Array, pos: number, end: number, isTarget: boolean): number {
    // Words are put together from their bytes: a DataView over the chunk would have to be
    // made per chunk (each read brings a new one), and making one, with the `buf.buffer` it
    // needs, is two calls into the runtime.
    const last = end - 5; // a word may start here and still leave a byte after it
    if (isTarget) {
      while (pos <= last) {
        const w = wordAt(buf, pos);
        const del = w ^ 0x7f7f7f7f;
        if ((((w - 0x21212121) & ~w) | w | ((del - 0x01010101) & ~del)) & 0x80808080) break;
        pos += 4;
      }
    } else {
      while (pos <= last) {
        const w = wordAt(buf, pos);
        const del = w ^ 0x7f7f7f7f;
        if ((((w - 0x20202020) & ~w) | ((del - 0x01010101) & ~del)) & 0x80808080) break;
        pos += 4;
      }
    }
    return pos;
  }

  private lineError(c: number, offset: number, rule: string): never {
    if (c === 10)
      this.fail('InvalidHTTPHeader', 'RFC 9112 2.2: bare LF (line ends are CRLF)', offset);
    if (c === 13) this.fail('InvalidHTTPHeader', 'RFC 9112 2.2: bare CR', offset);
    this.fail('InvalidHTTPHeader', rule, offset);
  }

  private valueError(c: number, offset: number): never {
    if (c === 10)
      this.fail('InvalidHTTPHeader', 'RFC 9112 2.2: bare LF (line ends are CRLF)', offset);
    this.fail('InvalidHTTPHeader', 'RFC 9110 5.5: control character in a field value', offset);
  }

  private methodOf(buf: Uint8Array, start: number, end: number): string {
    const len = end - start;
    for (let m = 0; m < METHOD_BYTES.length; m++) {
      const bytes = METHOD_BYTES[m] as Uint8Array;
      if (bytes.length !== len) continue;
      let i = 0;
      while (i < len && buf[start + i] === bytes[i]) i++;
      if (i === len) return METHODS[m] as string;
    }
    return ''; // not a well-known method: its string is made with the rest (see flush)
  }

  private addField(buf: Uint8Array, offset: number): void {
    const vs = this.valueStart;
    const ve = this.valueEnd;
    if (this.isFolding) {
      // RFC 9112 5.2: a recipient may replace each obs-fold with SP (responses, lenient only).
      if (ve > vs) {
        this.flush(buf);
        const i = this.values.length - 1;
        const prev = this.values[i] as string;
        const more = latin1Slice.call(buf, vs, ve);
        this.values[i] = prev === '' ? more : `${prev} ${more}`;
      }
      return;
    }
    const ns = this.markStart;
    const ne = this.markEnd;
    const index = this.names.length + this.pending;
    if (index >= this.maxHeaders)
      this.fail('HeaderTooLarge', 'more fields than maxHeaders', offset);
    let k = 4 * this.pending++;
    if (k + 4 > fieldSpans.length) {
      const bigger = new Int32Array(fieldSpans.length * 2);
      bigger.set(fieldSpans);
      fieldSpans = bigger;
    }
    const spans = fieldSpans;
    spans[k++] = ns;
    spans[k++] = ne;
    spans[k++] = vs;
    spans[k] = ve;
    switch (ne - ns) {
      case 4:
        if (nameIs(buf, ns, N_HOST)) this.hostCount++;
        break;
      case 7:
        if (nameIs(buf, ns, N_UPGRADE)) this.hasUpgradeField = true;
        break;
      case 10:
        if (nameIs(buf, ns, N_CONNECTION))
          this.connIndex = this.connIndex < 0 ? index : this.connIndex;
        break;
      case 14:
        if (nameIs(buf, ns, N_CONTENT_LENGTH)) {
          if (this.clCount++ === 0) this.clIndex = index;
          if (this.teCount === 0) this.specialOffset = this.base + ns;
          this.checkContentLength(buf, vs, ve, this.base + ns);
        }
        break;
      case 17:
        if (nameIs(buf, ns, N_TRANSFER_ENCODING)) {
          if (this.teCount++ === 0) this.teIndex = index;
          this.specialOffset = this.base + ns;
        }
        break;
    }
  }

  /** The head is complete at `after` (index past the final LF in `buf`). */
  private endOfHead(buf: Uint8Array, after: number, base: number): number {
    if (base + after - this.headStart > this.maxHeadSize) {
      this.fail('HeaderTooLarge', 'head larger than maxHeadSize', base + after);
    }
    // A small head wholly in the caller's chunk: push makes its strings itself (takeHeaders),
    // so that nothing young is stored into the parser (see there).
    const isSmall = this.pendingIsSmall();
    if (isSmall && this.names === NO_FIELDS && buf !== this.stash) {
      this.isDeferred = true;
    } else {
      this.flush(buf, isSmall);
    }
    this.endOffset = base + after;
    return after;
  }

  /** The head's strings are still spans of the chunk given to push (see endOfHead). */
  private isDeferred = false;

  /** Absolute offset just past the head (valid after a completed scan). */
  protected endOffset = 0;

  /** Connection flags of the head just parsed (see keep-alive.ts), whose fields are `headers`. */
  protected connFlags(headers: HeaderMap): number {
    if (this.connIndex < 0) return 0;
    return connectionFlags(headers.names, headers.values, this.connIndex);
  }

  /** Validates one Content-Length field, buf[start, end), as soon as it ends (RFC 9110 8.6). */
  private checkContentLength(buf: Uint8Array, start: number, end: number, offset: number): void {
    const v = end > start ? contentLengthOf(buf, start, end) : -1;
    if (v < 0) {
      this.fail(
        'InvalidHTTPHeader',
        'RFC 9110 8.6: Content-Length is not a decimal below 2^53',
        offset,
        'Content-Length',
      );
    }
    if (this.clValue >= 0 && v !== this.clValue) {
      this.fail(
        'InvalidHTTPHeader',
        'RFC 9110 8.6: differing duplicate Content-Length',
        offset,
        'Content-Length',
      );
    }
    this.clValue = v;
  }

  /** 1 when the final transfer coding is chunked, 0 when not, -1 when chunked is applied twice or not last. */
  protected chunkedCoding(headers: HeaderMap): number {
    return finalCodingIsChunked(headers.names, headers.values, this.teIndex);
  }

  protected version(): Version {
    return this.minor === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
  }

  /**
   * The fields of the head just completed. For a small head wholly in `chunk` (the chunk given
   * to push, see endOfHead) the strings are made here, into arrays that only this call and the
   * map hold: stored into the parser, a long-lived object, each young array or string would
   * cost a write barrier's slow path (several percent of a small head's parse, measured). The
   * start line's strings
   * come from {@link HeadScanner.startLineString} likewise.
   */
  protected takeHeaders(chunk: Uint8Array): HeaderMap {
    if (this.isDeferred) {
      const n = this.pending;
      const names = new Array<string>(n);
      const values = new Array<string>(n);
      fillSmallFields(chunk, n, names, values, 0);
      this.pending = 0;
      return HeaderMap.fromValidated(names, values);
    }
    // NO_FIELDS is shared: a head without fields gets arrays of its own, which users may grow.
    return this.names === NO_FIELDS
      ? HeaderMap.fromValidated([], [])
      : HeaderMap.fromValidated(this.names, this.values);
  }

  /**
   * A start-line string of the head just completed: `made` when it was made already, else the
   * span [start, end) of `chunk` (a small head, see takeHeaders).
   */
  protected startLineString(chunk: Uint8Array, made: string, start: number, end: number): string {
    return this.isDeferred && start >= 0 ? bytesToString(chunk, start, end) : made;
  }

  /** Ends a deferral (after takeHeaders and the start-line strings). */
  protected endDeferral(): void {
    if (this.isDeferred) {
      this.isDeferred = false;
      this.methodStart = -1;
      this.targetStart = -1;
      this.reasonStart = -1;
    }
  }
}

/**
 * Incremental parser of request heads (RFC 9112 3). Feed it bytes with {@link RequestHeadParser.push}
 * in chunks of any size; it returns `null` until the head is complete, then the head, how many
 * bytes of the last chunk it used, and the body framing. Call it again for the next
 * (pipelined) request. Bad input throws a `PingoraError` (source `downstream`) whose `detail`
 * names the rule and the byte offset (counted from the first byte of this head); kinds
 * `HeaderTooLarge` / `UriTooLong` mark limits so a server can answer 431 / 414.
 *
 * @example
 * ```ts
 * const p = new RequestHeadParser();
 * p.push(Buffer.from('GET /a?b=1 HTTP/1.1\r\nHo'));            // null: need more
 * const r = p.push(Buffer.from('st: x\r\n\r\n'));
 * r?.head.path;   // '/a'
 * r?.consumed;    // 9
 * ```
 */
export class RequestHeadParser extends HeadScanner {
  /** @param options - limits; see {@link PARSE_DEFAULTS}. */
  constructor(options?: ParseOptions) {
    super(true, options);
    this.requireHost = options?.requireHost ?? true;
  }

  private readonly requireHost: boolean;

  /**
   * Feeds the next bytes; returns the parsed request once its head is complete, else `null`.
   * @param start - index in `chunk` of the first new byte (default 0): pipelined requests in
   *   one chunk are parsed one after the other without slicing it; `consumed` counts from here.
   */
  push(chunk: Uint8Array, start = 0): ParsedRequest | null {
    const end = this.scanChunk(chunk, start);
    if (end < 0) return null;
    const consumed = end - start;
    const version = this.version();
    const method = this.startLineString(chunk, this.method, this.methodStart, this.methodEnd);
    const target = this.startLineString(chunk, this.target, this.targetStart, this.targetEnd);
    const headers = this.takeHeaders(chunk);
    this.endDeferral();
    const flags = this.connFlags(headers);
    if (version === 'HTTP/1.1' && this.requireHost && this.hostCount !== 1) {
      // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without exactly one Host.
      this.fail(
        'InvalidHTTPHeader',
        this.hostCount === 0 ? 'RFC 9112 3.2: missing Host' : 'RFC 9112 3.2: more than one Host',
        this.headStart,
        'Host',
      );
    }
    let body: BodyFraming;
    if (this.teCount > 0) {
      if (this.clCount > 0) {
        this.fail(
          'InvalidHTTPHeader',
          'RFC 9112 6.1: Content-Length with Transfer-Encoding',
          this.specialOffset,
          'Transfer-Encoding',
        );
      }
      if (version === 'HTTP/1.0') {
        this.fail(
          'H1Error',
          'RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request',
          this.specialOffset,
          'Transfer-Encoding',
        );
      }
      const coding = this.chunkedCoding(headers);
      if (coding < 0) {
        this.fail(
          'InvalidHTTPHeader',
          'RFC 9112 6.1: chunked applied more than once or not last',
          this.specialOffset,
          'Transfer-Encoding',
        );
      }
      if (coding === 0) {
        this.fail(
          'H1Error',
          'RFC 9112 6.3: request Transfer-Encoding whose final coding is not chunked',
          this.specialOffset,
          'Transfer-Encoding',
        );
      }
      body = CHUNKED_BODY;
    } else {
      body = this.clValue > 0 ? lengthBody(this.clValue) : NO_BODY;
    }
    if (method === 'CONNECT') body = UPGRADE_BODY;
    const keepAlive = isPersistent(version, flags);
    const upgrade = this.hasUpgradeField && (flags & CONN_UPGRADE) !== 0;
    const head = new RequestHeader(method as Method, target, version, headers);
    this.clear();
    this.isClosed = (flags & CONN_CLOSE) !== 0;
    return { head, consumed, body, keepAlive, upgrade };
  }
}

/**
 * Incremental parser of response heads (RFC 9112 4), like {@link RequestHeadParser}. The body
 * framing of a response depends on the request: pass its method to {@link ResponseHeadParser.push}
 * (HEAD responses have no body, 2xx to CONNECT hand the connection over). A 1xx other than
 * 101 is returned like any head with framing `none`; the final response follows.
 *
 * @example
 * ```ts
 * const p = new ResponseHeadParser();
 * const r = p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'), 'GET');
 * r?.body;        // { kind: 'length', length: 2 }
 * ```
 */
export class ResponseHeadParser extends HeadScanner {
  /** @param options - limits and lenient switches; see {@link PARSE_DEFAULTS}. */
  constructor(options?: ParseOptions) {
    super(false, options);
  }

  /**
   * Feeds the next bytes; returns the parsed response once its head is complete, else `null`.
   * @param requestMethod - method of the request this answers (default `GET`).
   * @param start - index in `chunk` of the first new byte (default 0); `consumed` counts from here.
   */
  push(chunk: Uint8Array, requestMethod: Method = 'GET', start = 0): ParsedResponse | null {
    const end = this.scanChunk(chunk, start);
    if (end < 0) return null;
    const consumed = end - start;
    const version = this.version();
    const status = this.status;
    const reason = this.startLineString(chunk, this.reason, this.reasonStart, this.reasonEnd);
    const headers = this.takeHeaders(chunk);
    this.endDeferral();
    const flags = this.connFlags(headers);
    if (status < 100) this.fail('H1Error', 'RFC 9110 15: status code below 100', this.headStart);
    let body: BodyFraming;
    let chunked = false;
    let length = -1;
    if (this.teCount > 0) {
      if (version === 'HTTP/1.0') {
        this.fail(
          'H1Error',
          'RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 response',
          this.specialOffset,
          'Transfer-Encoding',
        );
      }
      if (this.clCount > 0) {
        this.fail(
          'InvalidHTTPHeader',
          'RFC 9112 6.1: Content-Length with Transfer-Encoding',
          this.specialOffset,
          'Transfer-Encoding',
        );
      }
      // RFC 9112 6.3 rule 4: in a response, chunked that is not final means read until close.
      chunked = this.chunkedCoding(headers) === 1;
    } else {
      length = this.clValue;
    }
    let upgrade = false;
    if (status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300)) {
      body = UPGRADE_BODY;
      upgrade = true;
    } else if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) {
      body = NO_BODY; // RFC 9112 6.3 rule 1
    } else if (this.teCount > 0) {
      body = chunked ? CHUNKED_BODY : CLOSE_DELIMITED_BODY; // RFC 9112 6.3 rules 4 and 7
    } else if (length >= 0) {
      body = lengthBody(length);
    } else {
      body = CLOSE_DELIMITED_BODY;
    }
    const keepAlive = body !== CLOSE_DELIMITED_BODY && !upgrade && isPersistent(version, flags);
    const head = new ResponseHeader(status, reason, version, headers);
    this.clear();
    // A 1xx is not the final response; the close applies after the final one.
    this.isClosed = status >= 200 && (flags & CONN_CLOSE) !== 0;
    return { head, consumed, body, keepAlive, upgrade };
  }
}
