import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import {
  BodyDecoder,
  encodeChunk,
  encodeLastChunk,
  encodeResponseHead,
  equalsIgnoreCase,
  HeaderMap,
  NO_BODY,
  type ParsedRequest,
  type RequestHeader,
  ResponseHeader,
  reasonPhrase,
} from '@pingora-ts/http-parser';
import type { TimerWheel } from '@pingora-ts/timeout';
import type { ByteSource } from './byte-source.js';
import { drained, flushed } from './drained.js';
import type { ResolvedOptions } from './options.js';

/** Headers as a map, a record, or pairs. */
export type HeadersInit = HeaderMap | Record<string, string> | Iterable<readonly [string, string]>;

/**
 * Largest body `writeResponse` copies behind the head to send both in one write; a larger
 * one goes in a write of its own (the copy would cost more than the second write).
 */
const WHOLE_WRITE_BYTES = 8 * 1024;
/** The decoder of every bodiless request: done from the start, it never changes. */
const NO_BODY_DECODER = new BodyDecoder(NO_BODY, 'request');

/** What a session asks its connection: may it stay open after this exchange? */
export interface KeepAlivePolicy {
  mayKeepAlive(): boolean;
}

/** The settled answer of a write the socket took at once, shared rather than made per write. */
const WRITTEN: Promise<void> = Promise.resolve();
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const NO_BODY_STATUS = (status: number) =>
  (status >= 100 && status < 200) || status === 204 || status === 304;

function toHeaderMap(init: HeadersInit | undefined): HeaderMap {
  if (init === undefined) return new HeaderMap();
  if (init instanceof HeaderMap) return init;
  return new HeaderMap(
    Symbol.iterator in init ? (init as Iterable<readonly [string, string]>) : Object.entries(init),
  );
}

/**
 * One request/response exchange on a downstream connection: the request head, its body as a
 * stream (read with backpressure; `Expect: 100-continue` is answered when the body is first
 * read), and the response, written with Content-Length or chunked framing, keep-alive decided
 * per RFC 9112 9.3. `upgrade()` hands the raw socket over after a 101 or a CONNECT.
 */
export class HttpSession {
  /** The request head. */
  readonly request: RequestHeader;
  /** The downstream socket (net or TLS). */
  readonly socket: Socket;
  /** How many requests this connection served before this one. */
  readonly index: number;
  /** The response head once written. */
  response: ResponseHeader | undefined;
  private readonly source: ByteSource;
  private readonly parsed: ParsedRequest;
  private readonly decoder: BodyDecoder;
  private readonly wheel: TimerWheel;
  private readonly options: ResolvedOptions;
  private readonly connection: KeepAlivePolicy;
  private isChunked = false;
  private hasNoBody = false;
  private isEnded = false;
  private isWrittenWhole = false;
  private sentContinue = false;
  private isUpgraded = false;
  private keepAliveDecision = false;

  /** @internal */
  constructor(
    socket: Socket,
    source: ByteSource,
    parsed: ParsedRequest,
    index: number,
    connection: KeepAlivePolicy,
    wheel: TimerWheel,
    options: ResolvedOptions,
  ) {
    this.socket = socket;
    this.source = source;
    this.parsed = parsed;
    this.request = parsed.head;
    this.index = index;
    this.connection = connection;
    this.wheel = wheel;
    this.options = options;
    this.decoder =
      parsed.body.kind === 'none'
        ? NO_BODY_DECODER
        : new BodyDecoder(parsed.body, 'request', options.parse);
  }

  /**
   * True once `writeResponse` handed the whole response to the socket: the promise it returned
   * is then already resolved, and a caller need not wait a turn for it.
   */
  get isWritten(): boolean {
    return this.isWrittenWhole;
  }

  /** True when the response is complete. */
  get isFinished(): boolean {
    return this.isEnded;
  }

  /** True when the request body has been read to its end. */
  get isBodyDone(): boolean {
    return this.decoder.done;
  }

  /** Whether the connection stays open after this exchange (known once the head is written). */
  get keepAlive(): boolean {
    return this.keepAliveDecision;
  }

  /**
   * The request body, chunk by chunk (views into the received bytes). Reading it is what
   * pulls bytes from the client: an unread body is never buffered whole.
   */
  async *body(): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.parsed.upgrade && this.parsed.body.kind === 'upgrade') return;
    if (
      !this.sentContinue &&
      !this.decoder.done &&
      this.request.headers.get('expect')?.toLowerCase() === '100-continue'
    ) {
      this.sentContinue = true;
      if (this.response === undefined) await this.writeRaw(CONTINUE);
    }
    while (!this.decoder.done) {
      const chunk = await this.source.read();
      if (chunk === null) {
        throw PingoraError.explain('ConnectionClosed', 'client closed inside the request body', {
          source: 'downstream',
        });
      }
      const r = this.decoder.push(chunk);
      if (r.consumed < chunk.length) this.source.unshift(chunk.subarray(r.consumed));
      for (const data of r.data) yield data;
    }
  }

  /**
   * Writes the response head. Without a Content-Length the body is chunked (HTTP/1.1) or
   * ends with the connection (HTTP/1.0); HEAD requests and 1xx/204/304 get no body.
   */
  async writeHead(status: number, headers?: HeadersInit, reason?: string): Promise<void> {
    const head = this.prepareHead(status, headers, reason);
    if (!this.socket.write(encodeResponseHead(head))) await this.drained();
  }

  /**
   * Writes the head and the whole body, and ends the response: one Buffer and one write when
   * the body is small (up to 8 KiB), one vectored write of head and body when it is larger;
   * a chunked or bodiless response goes as `writeHead` then `end(body)`. Resolves once the
   * response is handed to the socket; the connection waits for the socket to drain before
   * its next exchange.
   */
  writeResponse(
    status: number,
    headers: HeadersInit | undefined,
    body: Uint8Array,
    reason?: string,
  ): Promise<void> {
    // Not an async function: the response costs no async frame, only the shared settled
    // promise.
    try {
      const head = this.prepareHead(status, headers, reason);
      if (this.isChunked || this.hasNoBody) return this.writeHeadThenEnd(head, body);
      this.isEnded = true;
      if (body.length <= WHOLE_WRITE_BYTES) {
        this.socket.write(encodeResponseHead(head, body));
      } else {
        // A larger body is not copied: head and body leave in one writev (corked).
        const socket = this.socket;
        socket.cork();
        socket.write(encodeResponseHead(head));
        socket.write(body);
        socket.uncork();
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // The response is ended. Bytes the socket did not take at once wait in its buffer: the
    // connection starts its next exchange only once they drained (so a client that sends
    // without reading slows itself down), and the handler need not wait for them here.
    this.isWrittenWhole = true;
    return WRITTEN;
  }

  private async writeHeadThenEnd(head: ResponseHeader, body: Uint8Array): Promise<void> {
    if (!this.socket.write(encodeResponseHead(head))) await this.drained();
    return this.end(body);
  }

  /** Decides framing and keep-alive for a response head and records it (not written yet). */
  private prepareHead(status: number, headers?: HeadersInit, reason?: string): ResponseHeader {
    if (this.response !== undefined) throw new TypeError('response head already written');
    const h = toHeaderMap(headers);
    const isHead = this.request.method === 'HEAD';
    this.hasNoBody = isHead || NO_BODY_STATUS(status);
    const is11 = this.request.version === 'HTTP/1.1';
    // One pass over the fields for the three that decide framing and persistence.
    let hasLength = false;
    let transferEncoding: string | undefined;
    let saysClose = false;
    const names = h.names;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (name.length === 14) {
        if (equalsIgnoreCase(name, 'content-length')) hasLength = true;
      } else if (name.length === 17) {
        if (transferEncoding === undefined && equalsIgnoreCase(name, 'transfer-encoding'))
          transferEncoding = h.values[i];
      } else if (name.length === 10 && !saysClose && equalsIgnoreCase(name, 'connection')) {
        saysClose = hasCloseToken(h.values[i] as string);
      }
    }
    if (!this.hasNoBody && !hasLength && transferEncoding === undefined) {
      if (is11) {
        h.append('Transfer-Encoding', 'chunked');
        this.isChunked = true;
      }
    } else if (transferEncoding?.toLowerCase().endsWith('chunked') && !this.hasNoBody) {
      this.isChunked = true;
    }
    const framed = this.hasNoBody || this.isChunked || hasLength;
    // The client's own choice (RFC 9112 9.3) as the parser read it from the request head.
    this.keepAliveDecision =
      status !== 101 &&
      this.connection.mayKeepAlive() &&
      framed &&
      this.parsed.keepAlive &&
      !saysClose;
    if (!this.keepAliveDecision && status !== 101 && !saysClose) h.set('Connection', 'close');
    else if (this.keepAliveDecision && !is11) h.set('Connection', 'keep-alive');
    // An empty reason phrase is valid (RFC 9112 4) but some clients (h2load) count it as an
    // error: the registered phrase goes out unless one was given.
    this.response = new ResponseHeader(status, reason || reasonPhrase(status), 'HTTP/1.1', h);
    return this.response;
  }

  /** Writes body bytes, waiting while the client is slow (backpressure). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.response === undefined) await this.writeHead(200);
    if (this.hasNoBody || chunk.length === 0) return;
    const parts = this.isChunked ? encodeChunk(chunk) : [chunk];
    for (const part of parts) {
      if (!this.socket.write(part)) await this.drained();
    }
  }

  /**
   * Resolves once the socket holds none of the bytes written so far (the kernel took them all):
   * at once when every write completed as it was made. For a caller that will overwrite the
   * memory of a chunk it wrote, such as a proxy relaying from a reused read buffer, since a
   * write the kernel did not take whole keeps pointing into the caller's bytes. Rejects like
   * {@link HttpSession.write}: ConnectionClosed when the client goes first, WriteTimedout (and
   * the socket destroyed) when it takes nothing within the write timeout.
   */
  flushed(): Promise<void> {
    if (this.socket.writableLength === 0) return WRITTEN;
    return flushed(this.socket, this.wheel, this.options.writeTimeoutMs);
  }

  /** Ends the response (with a last chunk when chunked). Idempotent. */
  async end(chunk?: Uint8Array | string): Promise<void> {
    if (this.isEnded) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.response === undefined) {
      await this.writeHead(200, new HeaderMap([['Content-Length', String(data?.length ?? 0)]]));
    }
    if (data !== undefined && data.length > 0) {
      if (this.isChunked || this.hasNoBody) await this.write(data);
      else if (!this.socket.write(data)) await this.drained();
    }
    if (this.isChunked) await this.writeRaw(encodeLastChunk());
    this.isEnded = true;
  }

  /** Writes a whole response: status, headers, and a body with its Content-Length. */
  respond(status: number, body: Uint8Array | string = '', headers?: HeadersInit): Promise<void> {
    // Not an async function (see writeResponse); a mistake still comes as a rejection.
    let data: Uint8Array;
    let h: HeaderMap;
    try {
      data = typeof body === 'string' ? Buffer.from(body) : body;
      h = toHeaderMap(headers);
      if (!h.has('content-length') && !NO_BODY_STATUS(status))
        h.set('Content-Length', String(data.length));
    } catch (error) {
      return Promise.reject(error);
    }
    // Head and body leave in one write when the body is small: one packet for the client.
    return this.writeResponse(status, h, data);
  }

  /**
   * Hands the connection over (after writing a 101, or for CONNECT): the raw socket and the
   * bytes already read past the request head, untouched. The server forgets the connection.
   */
  upgrade(): { socket: Socket; head: Buffer } {
    this.isUpgraded = true;
    this.isEnded = true;
    return { socket: this.socket, head: this.source.drain() };
  }

  /** @internal */
  get wasUpgraded(): boolean {
    return this.isUpgraded;
  }

  private async writeRaw(data: Uint8Array): Promise<void> {
    if (!this.socket.write(data)) await this.drained();
  }

  private drained(): Promise<void> {
    return drained(this.socket, this.wheel, this.options.writeTimeoutMs);
  }
}

/** True when a Connection field value lists `close`. */
function hasCloseToken(value: string): boolean {
  return value
    .toLowerCase()
    .split(',')
    .some((t) => t.trim() === 'close');
}
