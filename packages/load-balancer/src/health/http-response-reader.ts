import { PingoraError } from '@pingora-ts/error';
import { BodyDecoder, type Method, ResponseHeadParser } from '@pingora-ts/http-parser';

/** A response as far as a health check needs it. */
export interface CheckResponse {
  readonly status: number;
  /** The body as UTF-8, when the reader was asked for it. */
  readonly body: string | undefined;
}

/**
 * Reads one HTTP/1.x response off a health-check connection with @pingora-ts/http-parser: the
 * head (1xx interim responses skipped, RFC 9110 section 15.2) and, when the check matches on
 * the body, the body as its framing says (Content-Length, chunked, or until close; RFC 9112
 * section 6.3). Head and body are each limited to `maxBytes`; malformed or oversized answers
 * throw the parser's `PingoraError`.
 */
export class HttpResponseReader {
  readonly #wantBody: boolean;
  readonly #method: Method;
  readonly #maxBytes: number;
  readonly #parser: ResponseHeadParser;
  #decoder: BodyDecoder | undefined;
  #status = 0;
  readonly #body: Uint8Array[] = [];
  #sawBytes = false;

  constructor(method: Method, wantBody: boolean, maxBytes: number) {
    this.#method = method;
    this.#wantBody = wantBody;
    this.#maxBytes = maxBytes;
    this.#parser = new ResponseHeadParser({ maxHeadSize: maxBytes });
  }

  /** Adds bytes; returns the response once complete, `undefined` while more are needed. */
  push(chunk: Uint8Array): CheckResponse | undefined {
    if (chunk.length > 0) this.#sawBytes = true;
    let rest = chunk;
    while (this.#decoder === undefined) {
      const parsed = this.#parser.push(rest, this.#method);
      if (parsed === null) return undefined;
      rest = rest.subarray(parsed.consumed);
      if (parsed.head.status < 200) continue; // interim: the final response follows
      this.#status = parsed.head.status;
      if (!this.#wantBody) return { status: this.#status, body: undefined };
      this.#decoder = new BodyDecoder(parsed.body, 'response', { maxBodySize: this.#maxBytes });
    }
    const decoded = this.#decoder.push(rest);
    for (const part of decoded.data) this.#body.push(part);
    return decoded.done ? this.#response() : undefined;
  }

  /** The peer closed: completes a close-delimited body, or throws for a cut-short answer. */
  end(): CheckResponse {
    if (this.#decoder === undefined) {
      this.#parser.end(); // throws H1Error inside a head
      throw PingoraError.explain(
        'ConnectionClosed',
        this.#sawBytes ? 'closed before a final response' : 'closed without a response',
        { source: 'upstream' },
      );
    }
    this.#decoder.end(); // throws H1Error for an unfinished length or chunked body
    return this.#response();
  }

  #response(): CheckResponse {
    return { status: this.#status, body: Buffer.concat(this.#body).toString('utf8') };
  }
}
