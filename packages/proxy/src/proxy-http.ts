// biome-ignore-all lint/suspicious/noConfusingVoidType: a phase may return nothing (void) as well as a decision; user phases written as blocks without a return type must fit.
import type { PingoraError } from '@pingora-ts/error';
import type { HttpPeer } from '@pingora-ts/http-client';
import type { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import type { H2Protocol } from '@pingora-ts/http2';
import type { RelayDirection, WebSocketMessage } from '@pingora-ts/websocket';
import type { ProxySession } from './proxy-session.js';

/** A value or a promise of it: every phase may be sync or async. */
export type MaybePromise<T> = T | Promise<T>;

/** A response a filter answers with instead of going upstream. */
export interface FilterResponse {
  readonly status: number;
  readonly headers?: HeaderMap | Record<string, string> | Iterable<readonly [string, string]>;
  readonly body?: Uint8Array | string;
}

/**
 * What a request-side filter decides. `undefined` (or `{ action: 'continue' }`) goes on with
 * the next phase; `reject` answers an error response with that status; `respond` answers the
 * given response; `skip` goes straight to `upstreamPeer`, skipping the request-side phases left
 * (cache lookup, `proxyUpstreamFilter`). Build them with {@link Filter}.
 */
export type FilterResult =
  | undefined
  | { readonly action: 'continue' }
  | { readonly action: 'reject'; readonly status: number; readonly reason?: string }
  | { readonly action: 'respond'; readonly response: FilterResponse }
  | { readonly action: 'skip' };

/** Constructors of {@link FilterResult}s. */
export const Filter = {
  /** Go on with the next phase. */
  continue: { action: 'continue' } as const,
  /** Skip the request-side phases left (cache, `proxyUpstreamFilter`) and go upstream. */
  skip: { action: 'skip' } as const,
  /** Answer `status` with an empty body (and `reason` as a short text body when given). */
  reject(status: number, reason?: string): FilterResult {
    return reason === undefined
      ? { action: 'reject', status }
      : { action: 'reject', status, reason };
  },
  /** Answer this response. */
  respond(
    status: number,
    body?: Uint8Array | string,
    headers?: FilterResponse['headers'],
  ): FilterResult {
    return { action: 'respond', response: { status, body, headers } };
  },
} as const;

/**
 * The peer a proxy sends a request to: an {@link HttpPeer} (address, TLS, SNI, verification,
 * timeouts) and the protocol to speak: `h1` (the default), `h2` (HTTP/2 only: ALPN over TLS,
 * prior knowledge in clear), or `h2h1` (HTTP/2 when ALPN chooses it, else HTTP/1.1).
 */
export type ProxyPeer = HttpPeer & { protocol?: H2Protocol };

/** What `failToProxy` decides: the status written downstream (when nothing was sent yet). */
export interface FailToProxyResult {
  /** Status of the error response; default: the error's downstream status, else 502. */
  readonly status?: number;
}

/**
 * The phases of a proxy, in the order a request goes through them (DESIGN.md, "The request's
 * way through proxy"). Every phase except {@link ProxyHttp.upstreamPeer} is optional and may
 * be sync or async; `Ctx` is the per-request state that {@link ProxyHttp.newCtx} creates.
 *
 * @example
 * ```ts
 * const proxy: ProxyHttp<{ started: number }> = {
 *   newCtx: () => ({ started: Date.now() }),
 *   requestFilter: (s) => (s.request.path.startsWith('/admin') ? Filter.reject(403) : undefined),
 *   upstreamPeer: () => ({ host: '127.0.0.1', port: 8080 }),
 *   logging: (s, error, ctx) => console.log(s.request.path, s.response?.status, Date.now() - ctx.started),
 * };
 * ```
 */
export interface ProxyHttp<Ctx = unknown> {
  /** Creates the per-request state. Default: `{}`. */
  newCtx?(): Ctx;
  /** Runs first, before any module (compression, cache) looks at the request. */
  earlyRequestFilter?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<void>;
  /** Validates, rewrites, rate-limits, authenticates; may reject or respond. */
  requestFilter?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<FilterResult | void>;
  /**
   * Sees each request body chunk on its way upstream, and once more with `undefined` and
   * `isEnd` true at the end. Returns a replacement chunk, `null` to drop it, or nothing to
   * keep it; throwing (say `PingoraError.status(413)`) rejects the request.
   */
  requestBodyFilter?(
    session: ProxySession<Ctx>,
    chunk: Uint8Array | undefined,
    isEnd: boolean,
    ctx: Ctx,
  ): MaybePromise<Uint8Array | null | undefined | void>;
  /** Enables the cache for this request (sets `session.cache.isEnabled`). */
  requestCacheFilter?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<void>;
  /** Extra key material for the cache key (added to method, scheme, host and target). */
  cacheKeyCallback?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<string>;
  /** Sees a cache hit before it is served; returning true forces a miss (go upstream). */
  cacheHitFilter?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<boolean | void>;
  /** On a cache miss (or with no cache): false answers 502 without going upstream. */
  proxyUpstreamFilter?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<boolean | void>;
  /**
   * Chooses the peer for this attempt (load balancing, routing). On a retry
   * `session.retries` is above 0 and `session.triedPeers` names the peers already tried.
   */
  upstreamPeer(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<ProxyPeer>;
  /** Called once a connection to the peer is ready: `isReused` tells a pooled one. */
  connectedToUpstream?(
    session: ProxySession<Ctx>,
    isReused: boolean,
    peer: ProxyPeer,
    ctx: Ctx,
  ): MaybePromise<void>;
  /** Rewrites the request head sent upstream (a copy of the client's, hop-by-hop removed). */
  upstreamRequestFilter?(
    session: ProxySession<Ctx>,
    upstreamRequest: RequestHeader,
    ctx: Ctx,
  ): MaybePromise<void>;
  /** Adjusts the upstream response head before the cache sees it. */
  upstreamResponseFilter?(
    session: ProxySession<Ctx>,
    upstreamResponse: ResponseHeader,
    ctx: Ctx,
  ): MaybePromise<void>;
  /** Decides cacheability of the upstream response: false keeps it out of the cache. */
  responseCacheFilter?(
    session: ProxySession<Ctx>,
    upstreamResponse: ResponseHeader,
    ctx: Ctx,
  ): MaybePromise<boolean | void>;
  /** Rewrites the response head sent downstream (also for cache hits). */
  responseFilter?(
    session: ProxySession<Ctx>,
    response: ResponseHeader,
    ctx: Ctx,
  ): MaybePromise<void>;
  /**
   * Sees each response body chunk on its way downstream, and once more with `undefined` and
   * `isEnd` true at the end (a chance to append). Returns a replacement chunk, `null` to drop
   * it, or nothing to keep it. A filter that changes the length should remove Content-Length
   * in {@link ProxyHttp.responseFilter}.
   */
  responseBodyFilter?(
    session: ProxySession<Ctx>,
    chunk: Uint8Array | undefined,
    isEnd: boolean,
    ctx: Ctx,
  ): MaybePromise<Uint8Array | null | undefined | void>;
  /** Sees the response trailers (HTTP/2 upstreams; HTTP/1.1 chunked trailers are dropped). */
  responseTrailerFilter?(
    session: ProxySession<Ctx>,
    trailers: HeaderMap,
    ctx: Ctx,
  ): MaybePromise<void>;
  /**
   * Byte ranges: returning false serves the full response even when the client asked for a
   * range. Default: ranges of a 200 with a Content-Length are served (RFC 9110 section 14).
   */
  rangeHeaderFilter?(session: ProxySession<Ctx>, ctx: Ctx): MaybePromise<boolean | void>;
  /**
   * After a WebSocket upgrade (a 101 with `Upgrade: websocket`), sees every data message in
   * either direction and returns a replacement, `null` to drop it, or nothing to pass it on.
   * Without this phase an upgraded connection is a plain byte tunnel.
   */
  webSocketMessageFilter?(
    session: ProxySession<Ctx>,
    message: WebSocketMessage,
    direction: RelayDirection,
    ctx: Ctx,
  ): MaybePromise<WebSocketMessage | null | undefined | void>;
  /** Always last, with the error that ended the request if any. */
  logging?(
    session: ProxySession<Ctx>,
    error: PingoraError | undefined,
    ctx: Ctx,
  ): MaybePromise<void>;
  /**
   * A connection to `peer` failed. Return the error, with `setRetry('always')` to try again
   * (`upstreamPeer` runs again) or `setRetry('never')` to give up. Default: the error as is
   * (connect errors are retryable).
   */
  failToConnect?(
    session: ProxySession<Ctx>,
    peer: ProxyPeer,
    error: PingoraError,
    ctx: Ctx,
  ): MaybePromise<PingoraError>;
  /**
   * An error after the connection was made. Return it (its retry decision is honoured only when
   * the request can safely be sent again). Default: the error as is.
   */
  errorWhileProxy?(
    session: ProxySession<Ctx>,
    peer: ProxyPeer,
    error: PingoraError,
    ctx: Ctx,
  ): MaybePromise<PingoraError>;
  /**
   * The request failed: chooses the status of the error response, or writes its own response
   * through `session.respond(...)`. Default: the error's downstream status (502 on connect
   * failure, 504 on upstream timeout, 400 on bad request, ...).
   */
  failToProxy?(
    session: ProxySession<Ctx>,
    error: PingoraError,
    ctx: Ctx,
  ): MaybePromise<FailToProxyResult | void>;
}
