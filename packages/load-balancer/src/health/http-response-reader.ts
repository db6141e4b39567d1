import { PingoraError } from '@pingora-ts/error';

/** A response as far as a health check needs it. */
export interface CheckResponse {
  readonly status: number;
  /** The body as UTF-8, when the reader was asked for it. */
  readonly body: string | undefined;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: [^\r\n]*)?$/;

/**
 * Reads one HTTP/1.x response off a health-check connection: the status line (RFC 9112
 * section 4), the header fields the framing needs, and, when the check matches on the body,
 * the body framed by Transfer-Encoding: chunked, Content-Length or the end of the connection
 * (RFC 9112 section 6.3). It holds at most `maxBytes`; a longer answer fails the check.
 */
export class HttpResponseReader {
  readonly #wantBody: boolean;
  readonly #maxBytes: number;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(wantBody: boolean, maxBytes: number) {
    this.#wantBody = wantBody;
    this.#maxBytes = maxBytes;
  }

  /** Adds bytes; returns the response once complete, `undefined` while more are needed. */
  push(chunk: Buffer): CheckResponse | undefined {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#buffer.length > this.#maxBytes) {
      throw PingoraError.explain('H1Error', `response larger than ${this.#maxBytes} bytes`, {
        source: 'upstream',
      });
    }
    return this.#parse(false);
  }

  /** The peer closed: returns the response, framed by the close if it had no other framing. */
  end(): CheckResponse {
    const response = this.#parse(true);
    if (response === undefined) {
      throw PingoraError.explain('ConnectionClosed', 'response ended before it was complete', {
        source: 'upstream',
      });
    }
    return response;
  }

  #parse(atEnd: boolean): CheckResponse | undefined {
    const buffer = this.#buffer;
    const headEnd = buffer.indexOf(HEAD_END);
    if (headEnd < 0) return undefined;
    const lines = buffer.toString('latin1', 0, headEnd).split('\r\n');
    const match = STATUS_LINE.exec(lines[0]!);
    if (match === null) {
      throw PingoraError.explain(
        'H1Error',
        `bad status line ${JSON.stringify(lines[0]!.slice(0, 80))}`,
        {
          source: 'upstream',
          detail: { rule: 'RFC 9112 section 4: status-line', offset: 0 },
        },
      );
    }
    const status = Number(match[1]);
    // 1xx interim responses precede the real one (RFC 9110 section 15.2): drop and read on.
    if (status < 200) {
      this.#buffer = buffer.subarray(headEnd + 4);
      return this.#parse(atEnd);
    }
    if (!this.#wantBody) return { status, body: undefined };
    let contentLength: number | undefined;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) {
        throw PingoraError.explain('InvalidHTTPHeader', 'header line without a name', {
          source: 'upstream',
          detail: { rule: 'RFC 9112 section 5: field-line' },
        });
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'content-length') {
        if (!/^[0-9]+$/.test(value)) {
          throw PingoraError.explain('InvalidHTTPHeader', `bad Content-Length ${value}`, {
            source: 'upstream',
            detail: { name: 'Content-Length', rule: 'RFC 9110 section 8.6' },
          });
        }
        contentLength = Number(value);
      }
    }
    const body = buffer.subarray(headEnd + 4);
    if (status === 204 || status === 304) return { status, body: '' };
    if (chunked) {
      const decoded = decodeChunked(body);
      return decoded === undefined ? undefined : { status, body: decoded.toString('utf8') };
    }
    if (contentLength !== undefined) {
      if (body.length < contentLength) return undefined;
      return { status, body: body.toString('utf8', 0, contentLength) };
    }
    return atEnd ? { status, body: body.toString('utf8') } : undefined;
  }
}

/** Decodes a complete chunked body (RFC 9112 section 7.1), or `undefined` if incomplete. */
function decodeChunked(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const sizeText = data.toString('latin1', at, lineEnd).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) {
      throw PingoraError.explain('H1Error', `bad chunk size ${JSON.stringify(sizeText)}`, {
        source: 'upstream',
        detail: { rule: 'RFC 9112 section 7.1: chunk-size' },
      });
    }
    const size = Number.parseInt(sizeText, 16);
    // Trailers after the last chunk do not matter to a health check.
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
