import { type ClientHttp2Stream, constants, type OutgoingHttpHeaders } from 'node:http2';
import { PingoraError } from '@pingora-ts/error';
import type { RequestBody } from '@pingora-ts/http-client';
import { HeaderMap, type ResponseHeader } from '@pingora-ts/http-parser';
import type { TimerWheel } from '@pingora-ts/timeout';
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
  /** The response head (`version` reads `HTTP/1.1`, `reason` is empty over HTTP/2). */
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
export async function exchange(
  ctx: ExchangeContext,
  headers: OutgoingHttpHeaders,
  body: RequestBody | undefined,
): Promise<H2UpstreamResponse> {
  const conn = ctx.conn;
  let stream: ClientHttp2Stream;
  try {
    stream = conn.session.request(headers, { endStream: body === undefined });
  } catch (error) {
    conn.release();
    throw connectionGoneError('opening an HTTP/2 stream', 'upstream', error);
  }
  stream.on('error', () => {});
  stream.once('close', () => conn.release());
  const failed = (what: string) => closedError(ctx, stream, what);

  if (body instanceof Uint8Array) stream.end(body);
  else if (body !== undefined) void sendBody(stream, body, ctx);

  let endedWithHead: () => void = () => {};
  const trailers = new Promise<HeaderMap>((resolve, reject) => {
    // A head with END_STREAM (no body, no trailers; gRPC's trailers-only form) has none.
    endedWithHead = () => resolve(new HeaderMap());
    stream.once('trailers', (fields) => resolve(fieldsFromH2(fields)));
    stream.once('close', () => {
      if (stream.rstCode === constants.NGHTTP2_NO_ERROR && stream.readableEnded)
        resolve(new HeaderMap());
      else reject(failed('waiting for trailers'));
    });
  });
  trailers.catch(() => {});

  const head = await new Promise<ResponseHeader>((resolve, reject) => {
    const done = (error?: PingoraError, value?: ResponseHeader) => {
      timer.cancel();
      stream.off('response', onResponse);
      stream.off('close', onClose);
      if (error !== undefined) reject(error);
      else resolve(value as ResponseHeader);
    };
    const onResponse = (_h: unknown, flags: number, raw: string[]) => {
      if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) endedWithHead();
      done(undefined, responseFromH2(raw));
    };
    const onClose = () => done(failed('waiting for the response head'));
    const timer = ctx.wheel.deadline(ctx.readTimeoutMs, () => {
      done(
        PingoraError.explain('ReadTimedout', `no response head within ${ctx.readTimeoutMs} ms`, {
          source: 'upstream',
        }),
      );
      resetStream(stream, constants.NGHTTP2_CANCEL);
    });
    stream.on('response', onResponse);
    stream.once('close', onClose);
  });

  const bodyStream = readStream(
    stream,
    {
      closed: () => failed('reading the response body'),
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
  return {
    head,
    status: head.status,
    body: bodyStream,
    isReused: ctx.isReused,
    protocol: 'h2',
    trailers,
    close: () => {
      if (!stream.destroyed) resetStream(stream, constants.NGHTTP2_CANCEL);
    },
    bytes: async () => {
      const parts: Uint8Array[] = [];
      for await (const part of bodyStream) parts.push(part);
      return Buffer.concat(parts);
    },
  };
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

function drained(stream: ClientHttp2Stream, ctx: ExchangeContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      timer.cancel();
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('stream closed'));
    const timer = ctx.wheel.deadline(ctx.writeTimeoutMs, () =>
      done(new Error('upstream took no request bytes in time')),
    );
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}
