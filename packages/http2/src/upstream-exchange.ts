import { Buffer } from 'node:buffer';
import { type ClientHttp2Stream, constants, type OutgoingHttpHeaders } from 'node:http2';
import { PingoraError } from '@pingora-ts/error';
import type { RequestBody } from '@pingora-ts/http-client';
import { HeaderMap, type ResponseHeader } from '@pingora-ts/http-parser';
import { type TimerWheel, whenDrained } from '@pingora-ts/timeout';
import { fieldsFromH2, responseFromH2 } from './header-translation.js';
import { connectionGoneError, upstreamResetError } from './stream-error.js';
import { readStream } from './stream-reader.js';
import { resetStream } from './stream-reset.js';
import type { UpstreamConnection } from './upstream-connection.js';

/**
 * An upstream response whose body streams: the members of `UpstreamResponse` of
 * `@pingora-ts/http-client` (`head`, `status`, `body`, `isReused`, `bytes()`, `close()`) plus
 * the `trailers` and the protocol it came over.
 */
export interface H2UpstreamResponse {
  /** The response head (`version` reads `HTTP/1.1`; over HTTP/2 `reason` is the registered phrase). */
  head: ResponseHeader;
  status: number;
  /** The body; reading it is what returns flow-control window to the peer. */
  body: AsyncIterable<Uint8Array>;
  /** True when the stream ran on a connection that had carried streams before. */
  isReused: boolean;
  /** `h2`, or `http/1.1` when the peer was spoken to over HTTP/1.1. */
  protocol: 'h2' | 'http/1.1';
  /**
   * Trailer fields (empty when none came; always empty over HTTP/1.1). Rejects like the body
   * when the stream fails.
   */
  trailers: Promise<HeaderMap>;
  /** Reads the whole body into one Buffer (for small bodies). */
  bytes(): Promise<Buffer>;
  /** Abandons the exchange: RST_STREAM CANCEL over HTTP/2 (the connection stays), closes an HTTP/1.1 one. */
  close(): void;
}

/** @internal */
export interface ExchangeContext {
  readonly conn: UpstreamConnection;
  readonly isReused: boolean;
  readonly wheel: TimerWheel;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
}

function closedError(ctx: ExchangeContext, stream: ClientHttp2Stream, what: string): PingoraError {
  const conn = ctx.conn;
  const id = stream.id;
  if (conn.goawayLastStreamId !== undefined && (id === undefined || id > conn.goawayLastStreamId)) {
    // RFC 9113 6.8: streams above the GOAWAY's last id were never processed.
    return PingoraError.explain('H2Error', `${what}: stream not processed before GOAWAY`, {
      source: 'upstream',
      retry: 'always',
    });
  }
  if (conn.failure !== undefined)
    return new PingoraError(conn.failure.kind, {
      source: 'upstream',
      retry: conn.failure.retry,
      context: what,
      cause: conn.failure,
    });
  const code = stream.rstCode;
  if (code !== undefined && code !== constants.NGHTTP2_NO_ERROR && !conn.session.destroyed) {
    return upstreamResetError(code, what);
  }
  return connectionGoneError(`${what}: connection closed`, 'upstream');
}

/**
 * Sends one request on `ctx.conn` and waits for the response head (a 1xx is skipped), within
 * the read timeout. The body is sent while the response is awaited (full duplex, as gRPC
 * streaming needs), with backpressure from the stream's window.
 * @internal
 */
export function exchange(
  ctx: ExchangeContext,
  headers: OutgoingHttpHeaders,
  body: RequestBody | undefined,
): Promise<H2UpstreamResponse> {
  let stream: ClientHttp2Stream;
  try {
    stream = ctx.conn.session.request(headers, { endStream: body === undefined });
  } catch (error) {
    ctx.conn.release();
    return Promise.reject(connectionGoneError('opening an HTTP/2 stream', 'upstream', error));
  }
  const exchange = new UpstreamStream(ctx, stream);
  if (body instanceof Uint8Array) stream.end(body);
  else if (body !== undefined) void sendBody(stream, body, ctx);
  return exchange.response();
}

/**
 * One upstream stream as an {@link H2UpstreamResponse}: a single listener per event (response,
 * trailers, close) for the whole exchange, and a trailers promise made only when asked for.
 */
class UpstreamStream implements H2UpstreamResponse {
  head!: ResponseHeader;
  status = 0;
  private bodyStream: AsyncIterable<Uint8Array> | undefined;
  readonly isReused: boolean;
  readonly protocol = 'h2' as const;
  private readonly ctx: ExchangeContext;
  private readonly stream: ClientHttp2Stream;
  private onHead: ((error: PingoraError | undefined) => void) | undefined;
  private trailerFields: HeaderMap | undefined;
  private trailerError: PingoraError | undefined;
  private trailerWaiter: { resolve(h: HeaderMap): void; reject(e: PingoraError): void } | undefined;
  private trailerPromise: Promise<HeaderMap> | undefined;

  constructor(ctx: ExchangeContext, stream: ClientHttp2Stream) {
    this.ctx = ctx;
    this.isReused = ctx.isReused;
    this.stream = stream;
    stream.on('error', () => {});
    stream.once('close', () => this.onClose());
    stream.once('response', (_h, flags: number, raw: string[]) => this.onResponse(flags, raw));
    stream.once('trailers', (fields) => this.settleTrailers(fieldsFromH2(fields), undefined));
  }

  /** Waits for the head, then returns `this` as the response. */
  response(): Promise<H2UpstreamResponse> {
    return new Promise<H2UpstreamResponse>((resolve, reject) => {
      const timer = this.ctx.wheel.deadline(this.ctx.readTimeoutMs, () => {
        this.onHead?.(
          PingoraError.explain(
            'ReadTimedout',
            `no response head within ${this.ctx.readTimeoutMs} ms`,
            {
              source: 'upstream',
            },
          ),
        );
        resetStream(this.stream, constants.NGHTTP2_CANCEL);
      });
      this.onHead = (error) => {
        this.onHead = undefined;
        timer.cancel();
        if (error === undefined) resolve(this);
        else reject(error);
      };
    });
  }

  /** Trailer fields (empty when none came); rejects when the stream failed. */
  get trailers(): Promise<HeaderMap> {
    if (this.trailerPromise === undefined) {
      if (this.trailerFields !== undefined)
        this.trailerPromise = Promise.resolve(this.trailerFields);
      else if (this.trailerError !== undefined)
        this.trailerPromise = Promise.reject(this.trailerError);
      else {
        this.trailerPromise = new Promise<HeaderMap>((resolve, reject) => {
          this.trailerWaiter = { resolve, reject };
        });
      }
      this.trailerPromise.catch(() => {});
    }
    return this.trailerPromise;
  }

  /** The body, read with flow control (made on first use). */
  get body(): AsyncIterable<Uint8Array> {
    if (this.bodyStream === undefined) {
      const stream = this.stream;
      const ctx = this.ctx;
      this.bodyStream = readStream(
        stream,
        {
          closed: () => this.failure('reading the response body'),
          timedOut: () => {
            resetStream(stream, constants.NGHTTP2_CANCEL);
            return PingoraError.explain(
              'ReadTimedout',
              `no response bytes within ${ctx.readTimeoutMs} ms`,
              { source: 'upstream' },
            );
          },
        },
        ctx.wheel,
        ctx.readTimeoutMs,
      );
    }
    return this.bodyStream;
  }

  async bytes(): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    if (this.bodyStream === undefined) {
      // Nobody iterates the body: gather it from 'data' events, without a generator.
      await this.gather(parts);
    } else {
      for await (const part of this.bodyStream) parts.push(part);
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  private gather(parts: Uint8Array[]): Promise<void> {
    const stream = this.stream;
    this.bodyStream = (async function* () {})();
    return new Promise<void>((resolve, reject) => {
      const timer = this.ctx.wheel.deadline(this.ctx.readTimeoutMs, () => {
        resetStream(stream, constants.NGHTTP2_CANCEL);
        done(
          PingoraError.explain(
            'ReadTimedout',
            `no response bytes within ${this.ctx.readTimeoutMs} ms`,
            {
              source: 'upstream',
            },
          ),
        );
      });
      const onData = (chunk: Buffer) => {
        parts.push(chunk);
        timer.reset(this.ctx.readTimeoutMs);
      };
      const onEnd = () => done(undefined);
      const onClose = () =>
        done(stream.readableEnded ? undefined : this.failure('reading the response body'));
      const done = (error: PingoraError | undefined) => {
        timer.cancel();
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('close', onClose);
    });
  }

  close(): void {
    resetStream(this.stream, constants.NGHTTP2_CANCEL);
  }

  private onResponse(flags: number, raw: string[]): void {
    const head = responseFromH2(raw);
    this.head = head;
    this.status = head.status;
    // A head with END_STREAM (no body, no trailers; gRPC's trailers-only form) has none.
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0)
      this.settleTrailers(new HeaderMap(), undefined);
    this.onHead?.(undefined);
  }

  private onClose(): void {
    this.ctx.conn.release();
    this.onHead?.(this.failure('waiting for the response head'));
    if (this.stream.rstCode === constants.NGHTTP2_NO_ERROR && this.stream.readableEnded) {
      this.settleTrailers(new HeaderMap(), undefined);
    } else {
      this.settleTrailers(undefined, this.failure('waiting for trailers'));
    }
  }

  private settleTrailers(fields: HeaderMap | undefined, error: PingoraError | undefined): void {
    if (this.trailerFields !== undefined || this.trailerError !== undefined) return;
    this.trailerFields = fields;
    this.trailerError = error;
    const waiter = this.trailerWaiter;
    this.trailerWaiter = undefined;
    if (waiter === undefined) return;
    if (fields !== undefined) waiter.resolve(fields);
    else if (error !== undefined) waiter.reject(error);
  }

  private failure(what: string): PingoraError {
    return closedError(this.ctx, this.stream, what);
  }
}

/** Streams a request body with backpressure; a failing source resets the stream (CANCEL). */
async function sendBody(
  stream: ClientHttp2Stream,
  body: AsyncIterable<Uint8Array>,
  ctx: ExchangeContext,
): Promise<void> {
  try {
    for await (const chunk of body) {
      if (stream.destroyed) return;
      if (!stream.write(chunk)) await drained(stream, ctx);
    }
    if (!stream.destroyed) stream.end();
  } catch {
    if (!stream.destroyed) resetStream(stream, constants.NGHTTP2_CANCEL);
  }
}

async function drained(stream: ClientHttp2Stream, ctx: ExchangeContext): Promise<void> {
  const outcome = await whenDrained(stream, ctx.wheel, ctx.writeTimeoutMs);
  if (outcome === 'close') throw new Error('stream closed');
  if (outcome === 'timeout') throw new Error('upstream took no request bytes in time');
}
