import { Buffer } from 'node:buffer';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TlsOptions } from 'node:tls';
import type { CachedResponse, CacheRequest, CacheWriter, HttpCache } from '@pingora-ts/cache';
import { PingoraError } from '@pingora-ts/error';
import { HttpConnector, type UpstreamSession } from '@pingora-ts/http-client';
import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import type { HttpServer } from '@pingora-ts/http-server';
import type { H2Connector } from '@pingora-ts/http2';
import type { Application, ConnectionContext } from '@pingora-ts/server';
import { CodingStep, ResponseCompression } from './compression.js';
import { DownstreamRouter } from './downstream-router.js';
import { hasHopByHop, isUpgradeRequest, withoutHopByHop } from './hop-by-hop.js';
import { loadedHttp2, loadHttp2, loadWebSocket } from './optional-modules.js';
import type { FilterResult, ProxyHttp, ProxyPeer } from './proxy-http.js';
import {
  type HttpProxyOptions,
  type ResolvedProxyOptions,
  resolveProxyOptions,
} from './proxy-options.js';
import { type DownstreamSession, ProxySession } from './proxy-session.js';
import { ifRangeMatches, parseRange, RangeBody } from './range-filter.js';
import { RequestBodyFeed } from './request-body-feed.js';
import { ResponseBody } from './response-body.js';
import { isThenable } from './thenable.js';
import { tunnel } from './upgrade-tunnel.js';
import { filterWholeBody } from './whole-body-filter.js';

/** The upstream exchange in flight on a client connection. */
interface UpstreamSlot {
  upstream: { close(): void } | undefined;
}

/** What the response half of an attempt reads from, HTTP/1.1 session or HTTP/2 stream. */
interface ResponseSource {
  /**
   * The body; with `borrow`, chunks may be views of a reused read buffer, valid until the next
   * is asked for (HTTP/1.1 sessions with a read buffer; other sources ignore it).
   */
  body(borrow?: boolean): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /**
   * HTTP/1.1: the body when it came whole with the head; with `borrow`, possibly a view of a
   * reused read buffer, held until `release()`.
   */
  takeCompleteBody?(borrow?: boolean): Uint8Array | undefined;
  /** HTTP/1.1: ends an exchange whose body `takeCompleteBody(true)` lent (see there). */
  release?(): void;
  close(): void;
  /** HTTP/2: the trailer fields. */
  trailers?: Promise<HeaderMap>;
}

/** Errors of getting a connection at all: `failToConnect`, and always safe to retry elsewhere. */
const CONNECT_KINDS: ReadonlySet<string> = new Set([
  'ConnectTimedout',
  'ConnectRefused',
  'ConnectNoRoute',
  'ConnectError',
  'ConnectProxyFailure',
  'TLSHandshakeFailure',
  'TLSHandshakeTimedout',
  'InvalidCert',
  'HandshakeError',
]);

/** True when the client can no longer be answered (its stream or its connection is gone). */
function isClientGone(downstream: DownstreamSession): boolean {
  return downstream.signal !== undefined ? downstream.signal.aborted : downstream.socket.destroyed;
}

/**
 * Cuts a response that cannot be completed, so that the client sees it cut rather than whole:
 * an HTTP/2 stream is reset (its connection carries other streams), an HTTP/1.1 connection
 * is closed.
 */
function cutDownstream(downstream: DownstreamSession): void {
  if (downstream.abort !== undefined) downstream.abort();
  else downstream.socket.destroy();
}

/** The error of an exchange the client walked away from. */
function clientGone(cause: unknown): PingoraError {
  return PingoraError.because('ConnectionClosed', 'client closed the connection', cause, {
    source: 'downstream',
  });
}

/** The gRPC status fields of a trailers-only head, moved out of it (undefined when none). */
function takeGrpcStatus(headers: HeaderMap): HeaderMap | undefined {
  if (!headers.has('grpc-status')) return undefined;
  const moved = new HeaderMap();
  for (const name of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
    for (const value of headers.getAll(name)) moved.append(name, value);
    headers.remove(name);
  }
  return moved;
}

/** A decoder for the upstream's Content-Encoding (the head then describes plain bytes). */
function decoderFor(headers: HeaderMap): CodingStep | undefined {
  const coding = headers.get('content-encoding');
  if (coding === undefined) return undefined;
  const decoder = CodingStep.decompress(coding);
  if (decoder !== undefined) {
    headers.remove('content-encoding');
    headers.remove('content-length');
  }
  return decoder;
}

/** Sets each field of `fields` on `headers` (the conditional fields of a revalidation). */
function setFields(headers: HeaderMap, fields: readonly (readonly [string, string])[]): void {
  for (const [name, value] of fields) headers.set(name, value);
}

function peerAddress(peer: ProxyPeer): string {
  if (peer.unixPath !== undefined) return `unix:${peer.unixPath}`;
  return peer.host.includes(':') ? `[${peer.host}]:${peer.port}` : `${peer.host}:${peer.port}`;
}

/** Whether a whole body can go to `out` with one `respond`: HTTP/2, the head gives its length. */
function isWholeH2(out: DownstreamSession, headers: HeaderMap): boolean {
  return out.protocol === 'h2' && headers.indexOf('content-length') >= 0;
}

/** The copy of an upstream response head that goes downstream: HTTP/1.1, no hop-by-hop fields. */
function downstreamHead(head: ResponseHeader): ResponseHeader {
  return new ResponseHeader(head.status, head.reason, 'HTTP/1.1', withoutHopByHop(head.headers));
}

/**
 * The proxy service: runs each downstream request through the phases of a {@link ProxyHttp}
 * (DESIGN.md order), sends it upstream over `@pingora-ts/http-client` with the peer
 * `upstreamPeer` chose, and streams both bodies with backpressure. Retries follow DESIGN.md:
 * a failed connect may go to another peer, a reused connection that failed before any response
 * byte is retried once on a fresh one, and a request whose body was streamed is not sent twice.
 * Errors become the response `failToProxy` chooses; `logging` always runs last.
 *
 * Use it standalone (`listen`), as the handler of an `HttpServer` (`handle`), or as the
 * application of a `@pingora-ts/server` service (`application()`).
 *
 * @example
 * ```ts
 * const proxy = new HttpProxy({ upstreamPeer: () => ({ host: '127.0.0.1', port: 8080 }) });
 * const { port } = await proxy.listen(0, '127.0.0.1');
 * ```
 */
export class HttpProxy<Ctx = Record<string, unknown>> {
  /** The phases. */
  readonly phases: ProxyHttp<Ctx>;
  /** The downstream HTTP/1.1 server (its handler is {@link HttpProxy.handle}); `serve(socket)` runs it on a socket. */
  readonly server: HttpServer;
  /** The upstream connector (and its pool). */
  readonly connector: HttpConnector;
  private readonly ownsConnector: boolean;
  /** Upstream HTTP/2 (peers with `protocol: 'h2'` or `'h2h1'`), loaded and made on first use. */
  private h2Upstream: H2Connector | undefined;
  private readonly options: ResolvedProxyOptions;
  private readonly compression: ResponseCompression | undefined;
  private readonly cache: HttpCache | undefined;
  private readonly contexts = new WeakMap<
    Socket,
    { connection: ConnectionContext; busy: number }
  >();
  private readonly router: DownstreamRouter;
  private readonly tlsOptions: TlsOptions | undefined;
  private readonly tunnels = new Set<Promise<unknown>>();
  /** Exchanges between the start of `handle` and the end of their logging phase. */
  private exchanges = 0;
  /** Settles `close()` once `exchanges` drops to 0. */
  private onNoExchanges: (() => void) | undefined;
  private readonly slots = new WeakMap<Socket, UpstreamSlot>();

  constructor(phases: ProxyHttp<Ctx>, options: HttpProxyOptions = {}) {
    if (typeof phases.upstreamPeer !== 'function') {
      throw new TypeError('a ProxyHttp needs an upstreamPeer phase');
    }
    this.phases = phases;
    this.options = resolveProxyOptions(options);
    this.cache = options.cache;
    const c = options.compression;
    this.compression =
      c === undefined || c === false ? undefined : new ResponseCompression(c === true ? {} : c);
    this.ownsConnector = options.connector === undefined;
    const size = this.options.upstreamPoolSize;
    this.connector =
      options.connector ??
      new HttpConnector({
        readBufferBytes: this.options.upstreamReadBufferBytes,
        poolOptions: { maxIdle: size, maxIdlePerKey: size },
      });
    this.tlsOptions = options.tls;
    this.router = new DownstreamRouter((s) => this.handle(s), options.server, options.http2);
    this.server = this.router.h1;
  }

  /** Listens on its own (library use and tests); resolves with the bound address. */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    return this.router.listen(port, host, this.tlsOptions);
  }

  /**
   * The proxy as a `@pingora-ts/server` application: each accepted connection runs the
   * HTTP/1.1 loop; an exchange in flight marks the connection busy, and draining closes idle
   * keep-alive connections after their exchange.
   */
  application(): Application {
    return {
      handleConnection: (socket, connection) => {
        this.contexts.set(socket, { connection, busy: 0 });
        void this.router.serve(socket).then((downstream) => {
          if (downstream !== undefined) connection.onDrain(() => downstream.closeGracefully());
        });
      },
      shutdown: () => this.close(),
    };
  }

  /** Runs one downstream exchange through the phases. Never rejects. */
  async handle(downstream: DownstreamSession): Promise<void> {
    const phases = this.phases;
    const ctx = phases.newCtx === undefined ? ({} as Ctx) : phases.newCtx();
    const session = new ProxySession<Ctx>(downstream, ctx);
    // HTTP/2 runs many exchanges on one connection: it is idle when none is in flight.
    const tracked = this.contexts.get(downstream.socket);
    if (tracked !== undefined && tracked.busy++ === 0) tracked.connection.setBusy(true);
    this.exchanges++;
    try {
      await this.process(session, ctx);
    } catch (error) {
      session.error = PingoraError.from(error, 'InternalError', 'proxying the request');
      await this.fail(session, session.error, ctx);
    }
    session.cacheRequest?.finish();
    session.timing.end = performance.now();
    if (phases.logging !== undefined) {
      try {
        const pending = phases.logging(session, session.error, ctx);
        if (isThenable(pending)) await pending;
      } catch {
        // A failing logger must not cost the client its connection.
      }
    }
    if (tracked !== undefined && --tracked.busy === 0) tracked.connection.setBusy(false);
    if (--this.exchanges === 0) this.onNoExchanges?.();
  }

  /**
   * Stops accepting, lets exchanges finish (their logging phase included, upgraded ones too),
   * closes tunnels and idle upstream connections.
   */
  async close(): Promise<void> {
    await this.router.close();
    await Promise.all(this.tunnels);
    if (this.exchanges > 0) {
      await new Promise<void>((resolve) => {
        this.onNoExchanges = resolve;
      });
      this.onNoExchanges = undefined;
    }
    if (this.ownsConnector) this.connector.close();
    this.h2Upstream?.close();
  }

  /**
   * The request phases, then the upstream. Without request phases nor a request body there is
   * nothing to wait for before the upstream: its promise is returned as it is, with no async
   * frame (nor turn of the microtask queue) of this step's own.
   */
  private process(session: ProxySession<Ctx>, ctx: Ctx): Promise<void> {
    const phases = this.phases;
    if (
      phases.earlyRequestFilter === undefined &&
      phases.requestFilter === undefined &&
      phases.requestBodyFilter === undefined &&
      phases.requestCacheFilter === undefined &&
      phases.proxyUpstreamFilter === undefined
    ) {
      const feed = new RequestBodyFeed(session, phases);
      if (!feed.isPresent) return this.proxyUpstream(session, ctx, feed);
    }
    return this.runRequestPhases(session, ctx);
  }

  private async runRequestPhases(session: ProxySession<Ctx>, ctx: Ctx): Promise<void> {
    const phases = this.phases;
    if (phases.earlyRequestFilter !== undefined) {
      // A synchronous phase costs no turn of the microtask queue (nor the promise of one).
      const pending = phases.earlyRequestFilter(session, ctx);
      if (isThenable(pending)) await pending;
    }
    let isSkipping = false;
    if (phases.requestFilter !== undefined) {
      const returned = phases.requestFilter(session, ctx);
      const result = isThenable(returned) ? await returned : returned;
      if (result !== undefined && (await this.answerFilter(session, result))) return;
      isSkipping = result?.action === 'skip';
    }
    // The request body filter comes before the cache phases (DESIGN.md); a small body is read
    // whole here, a large one is filtered while it streams upstream.
    const feed = new RequestBodyFeed(session, phases);
    if (feed.isPresent) await feed.prepare(this.options.retryBufferBytes);
    if (!isSkipping) {
      if (phases.requestCacheFilter !== undefined) {
        const pending = phases.requestCacheFilter(session, ctx);
        if (isThenable(pending)) await pending;
      }
      if (this.cache !== undefined && session.cache.isEnabled) {
        if (await this.lookupCache(session, ctx, this.cache)) return;
      }
      if (
        phases.proxyUpstreamFilter !== undefined &&
        (await phases.proxyUpstreamFilter(session, ctx)) === false
      ) {
        await this.writeError(session, 502);
        return;
      }
    }
    await this.proxyUpstream(session, ctx, feed);
  }

  /**
   * The cache phases (DESIGN.md): the key (with `cacheKeyCallback`), the lookup, then for a hit
   * `cacheHitFilter` and the stored response through the response phases. True when the
   * exchange was answered from the cache; otherwise the request goes upstream, with
   * conditional fields when a stored response is being revalidated.
   */
  private async lookupCache(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    cache: HttpCache,
  ): Promise<boolean> {
    const phases = this.phases;
    const keyExtra =
      phases.cacheKeyCallback === undefined ? '' : await phases.cacheKeyCallback(session, ctx);
    const entry = cache.begin(session.request, {
      scheme: session.isTls ? 'https' : 'http',
      keyExtra,
    });
    session.cacheRequest = entry;
    const found = await entry.lookup();
    session.cache.status = entry.status;
    switch (found.kind) {
      case 'hit':
      case 'stale-while-revalidate': {
        if (
          phases.cacheHitFilter !== undefined &&
          (await phases.cacheHitFilter(session, ctx)) === true
        ) {
          return false; // the filter forced a miss
        }
        if (found.kind === 'stale-while-revalidate') {
          session.cacheRequest = undefined; // the refresh owns it now
          this.refreshInBackground(session, ctx, entry, found.conditional);
        }
        await this.serveCached(session, ctx, found.response);
        return true;
      }
      case 'only-if-cached':
        await this.writeError(session, 504);
        return true;
      case 'revalidate':
        session.cacheConditional = found.conditional;
        return false;
      default:
        return false;
    }
  }

  /** A stored response through the response phases (filters, ranges, compression). */
  private serveCached(session: ProxySession<Ctx>, ctx: Ctx, cached: CachedResponse): Promise<void> {
    const body = cached.body;
    return this.respondFromUpstream(
      session,
      ctx,
      cached.head,
      { body: () => [body], takeCompleteBody: () => body, close: () => {} },
      undefined,
      true,
    );
  }

  /**
   * stale-while-revalidate: the stale answer went out; a conditional request refreshes the
   * stored response without a client waiting on it (RFC 5861 section 3).
   */
  private refreshInBackground(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    entry: CacheRequest,
    conditional: readonly (readonly [string, string])[],
  ): void {
    const refresh = async () => {
      const peer = await this.phases.upstreamPeer(session, ctx);
      const headers = withoutHopByHop(session.request.headers);
      for (const [name, value] of conditional) headers.set(name, value);
      const response = await this.connector.request(peer, {
        method: 'GET',
        path: session.request.rawTarget,
        headers,
      });
      const decision = entry.onUpstreamResponse(response.head);
      if (decision.kind !== 'store') {
        await response.bytes();
        return;
      }
      for await (const chunk of response.body) decision.writer.write(chunk);
      await decision.writer.finish();
    };
    const done = refresh()
      .catch(() => {
        // The stale copy stays until the next attempt; nothing waits on this one.
      })
      .finally(() => {
        entry.finish();
        this.tunnels.delete(done);
      });
    this.tunnels.add(done);
  }

  /** Writes a filter's reject / respond answer; true when the exchange is over. */
  private async answerFilter(session: ProxySession<Ctx>, result: FilterResult): Promise<boolean> {
    if (result === undefined) return false;
    if (result.action === 'reject') {
      await this.writeError(session, result.status, result.reason);
      return true;
    }
    if (result.action === 'respond') {
      const r = result.response;
      await session.respond(r.status, r.body ?? '', r.headers);
      return true;
    }
    return false;
  }

  private async proxyUpstream(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    feed: RequestBodyFeed<Ctx>,
  ): Promise<void> {
    const phases = this.phases;
    const isUpgrade =
      session.downstream.upgrade !== undefined && isUpgradeRequest(session.request.headers);
    let isFreshOnly = false;
    for (;;) {
      const returned = phases.upstreamPeer(session, ctx);
      const peer = isThenable(returned) ? await returned : returned;
      session.peer = peer;
      session.addTriedPeer(peerAddress(peer));
      if (!isUpgrade && (peer.protocol === 'h2' || peer.protocol === 'h2h1')) {
        const slot = this.upstreamSlot(session.downstream);
        try {
          await this.exchangeH2(session, ctx, peer, feed, slot);
          return;
        } catch (error) {
          slot.upstream?.close();
          if (isClientGone(session.downstream)) throw clientGone(error);
          if (feed.failure !== undefined) throw feed.failure;
          let e = PingoraError.from(error, 'InternalError', 'proxying');
          if (session.isResponseStarted) throw e;
          const isConnect = CONNECT_KINDS.has(e.kind);
          if (isConnect && phases.failToConnect !== undefined) {
            e = await phases.failToConnect(session, peer, e, ctx);
          } else if (!isConnect && phases.errorWhileProxy !== undefined) {
            e = await phases.errorWhileProxy(session, peer, e, ctx);
          }
          if (
            (isConnect || feed.canReplay) &&
            e.canRetry(false) &&
            session.retries < this.options.maxRetries
          ) {
            session.retries++;
            continue;
          }
          throw e;
        } finally {
          slot.upstream = undefined;
        }
      }
      let upstream: UpstreamSession;
      try {
        // An idle pooled connection is taken without waiting a turn; a new one is awaited.
        upstream =
          (isFreshOnly ? undefined : this.connector.pooledSession(peer)) ??
          (await this.connector.session(peer, true));
      } catch (error) {
        let e = PingoraError.from(error, 'ConnectError', `connecting to ${peerAddress(peer)}`);
        e.intoUpstream();
        if (phases.failToConnect !== undefined)
          e = await phases.failToConnect(session, peer, e, ctx);
        if (e.canRetry(false) && session.retries < this.options.maxRetries) {
          session.retries++;
          continue;
        }
        throw e;
      }
      session.isUpstreamReused = upstream.isReused;
      session.timing.upstreamConnected = performance.now();
      // A client that leaves mid-exchange frees the upstream connection at once (closed, never
      // pooled half-read), rather than at the upstream's next byte or its read timeout.
      const slot = this.upstreamSlot(session.downstream);
      slot.upstream = upstream;
      try {
        await this.exchange(session, ctx, upstream, feed, isUpgrade);
        return;
      } catch (error) {
        upstream.close();
        if (isClientGone(session.downstream)) throw clientGone(error);
        if (feed.failure !== undefined) throw feed.failure; // the client's (or a filter's) doing
        // Upstream failures come sourced from http-client; a throwing filter is internal.
        let e = PingoraError.from(error, 'InternalError', 'proxying');
        if (session.isResponseStarted) throw e;
        if (phases.errorWhileProxy !== undefined)
          e = await phases.errorWhileProxy(session, peer, e, ctx);
        if (!feed.canReplay) throw e;
        if (upstream.isReused && e.retry === 'reused' && !isFreshOnly) {
          // The pooled connection was closed by the peer while idle (RFC 9112 section 9.3.1):
          // not the peer's failure, so it does not count as a retry.
          isFreshOnly = true;
          continue;
        }
        if (e.canRetry(upstream.isReused) && session.retries < this.options.maxRetries) {
          session.retries++;
          continue;
        }
        throw e;
      } finally {
        slot.upstream = undefined;
      }
    }
  }

  /**
   * The per-connection slot naming the upstream exchange in flight; one 'close' listener per
   * client connection (not one per request) closes it when the client leaves.
   */
  private upstreamSlot(downstream: DownstreamSession): UpstreamSlot {
    if (downstream.onAbort !== undefined || downstream.signal !== undefined) {
      // HTTP/2: streams share the socket; each tells when it is reset or its connection ends
      // (onAbort does without making an AbortSignal per exchange).
      const created: UpstreamSlot = { upstream: undefined };
      const close = () => created.upstream?.close();
      if (downstream.onAbort !== undefined) downstream.onAbort(close);
      else downstream.signal?.addEventListener('abort', close, { once: true });
      return created;
    }
    const socket = downstream.socket;
    let slot = this.slots.get(socket);
    if (slot === undefined) {
      const created: UpstreamSlot = { upstream: undefined };
      socket.once('close', () => created.upstream?.close());
      this.slots.set(socket, created);
      slot = created;
    }
    return slot;
  }

  /** One attempt on a connection: request out, response back through the filters. */
  private async exchange(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    upstream: UpstreamSession,
    feed: RequestBodyFeed<Ctx>,
    isUpgrade: boolean,
  ): Promise<void> {
    const phases = this.phases;
    const peer = session.peer as ProxyPeer;
    if (phases.connectedToUpstream !== undefined) {
      const pending = phases.connectedToUpstream(session, upstream.isReused, peer, ctx);
      if (isThenable(pending)) await pending;
    }
    const request = session.request;
    // Nothing changes the upstream copy of the fields when there is no body (the connector
    // adds framing fields to a request with one), no filter and no revalidation: without a
    // hop-by-hop field to drop, the request's own map serves uncopied.
    const isShared =
      !feed.isPresent &&
      !isUpgrade &&
      phases.upstreamRequestFilter === undefined &&
      session.cacheConditional === undefined &&
      !hasHopByHop(request.headers);
    const headers = isShared ? request.headers : withoutHopByHop(request.headers, isUpgrade);
    if (feed.isPresent && feed.isFiltered) headers.remove('content-length');
    const upstreamRequest = new RequestHeader(
      request.method,
      request.rawTarget,
      'HTTP/1.1',
      headers,
    );
    if (phases.upstreamRequestFilter !== undefined) {
      const pending = phases.upstreamRequestFilter(session, upstreamRequest, ctx);
      if (isThenable(pending)) await pending;
    }
    if (session.cacheConditional !== undefined)
      setFields(upstreamRequest.headers, session.cacheConditional);
    const body = feed.body();
    let writeFailure: unknown;
    let writing: Promise<void> | undefined;
    if (body === undefined) {
      // No body: the request is its head, one write, done before the response can start (and
      // usually at once, when there is nothing to wait a turn for).
      const written = upstream.writeRequest(upstreamRequest);
      if (!upstream.isRequestWritten) await written;
    } else {
      // The response may come before the whole body went out (an early 413, say): read it at
      // once, and let a write failure surface only when no response explains it.
      writing = upstream.writeRequest(upstreamRequest, body).catch((error: unknown) => {
        writeFailure = error;
      });
    }
    let head: ResponseHeader;
    try {
      head = await upstream.readResponseHead();
    } catch (error) {
      if (writing !== undefined) await writing;
      throw feed.failure ?? writeFailure ?? error;
    }
    session.upstreamResponse = head;
    session.timing.upstreamResponseHead = performance.now();
    if (head.status === 101) {
      if (writing !== undefined) await writing;
      if (writeFailure !== undefined) throw writeFailure;
      return this.switchProtocols(session, ctx, upstream, head, isUpgrade);
    }
    if (this.isPlainRelay(session, writing)) {
      const out = session.downstream;
      if (out.writeResponse !== undefined && out.flushed !== undefined) {
        const whole = upstream.takeCompleteBody(true);
        if (whole !== undefined) {
          // The plainest answer, its body whole with the head: no response phase, cache,
          // range or coding to go through, written from the upstream's read buffer
          // (respondFromUpstream's own fast path, without the frame of that long function).
          try {
            const pending = this.writeWhole(session, downstreamHead(head), whole, true);
            if (pending !== undefined) await pending;
          } finally {
            upstream.release();
          }
          return;
        }
      } else if (isWholeH2(out, head.headers)) {
        // The same for an HTTP/2 client: a copy of the body (node:http2 writes it later), the
        // connection back to the pool at once, one respond call.
        const whole = upstream.takeCompleteBody();
        if (whole !== undefined) {
          await this.respondWholeH2(session, downstreamHead(head), whole);
          return;
        }
      }
    }
    await this.respondFromUpstream(session, ctx, head, upstream, writing);
  }

  /**
   * Whether a response can go to the client as it came, minus hop-by-hop fields: no response
   * phase, cache, decompression, range or compression, and no request body on its way.
   */
  private isPlainRelay(session: ProxySession<Ctx>, writing: Promise<void> | undefined): boolean {
    const phases = this.phases;
    return (
      writing === undefined &&
      phases.upstreamResponseFilter === undefined &&
      phases.responseCacheFilter === undefined &&
      phases.responseFilter === undefined &&
      phases.responseBodyFilter === undefined &&
      session.cacheRequest === undefined &&
      !session.decompressResponse &&
      this.compression === undefined &&
      session.request.headers.indexOf('range') < 0
    );
  }

  /**
   * HTTP/2, a whole body whose length the head gives: head, body and END_STREAM in one call,
   * without the turn (and the timer) a head waiting for its body costs.
   */
  private respondWholeH2(
    session: ProxySession<Ctx>,
    response: ResponseHeader,
    body: Uint8Array,
  ): Promise<void> {
    session.bytesSent += body.length;
    const out = session.downstream;
    const sent = out.respond(response.status, body, response.headers);
    // An HTTP/2 session hands head and body to node:http2 before `respond` returns (its promise
    // is settled already): the head is out now, unless it was refused.
    if (out.response !== undefined) session.timing.responseHead = performance.now();
    return sent;
  }

  /**
   * HTTP/1.1: the head and a whole body in one write. With `isLent` (the body points into the
   * upstream's read buffer) the bytes must stay until the client's socket took every one.
   * Returns what is left to wait for, `undefined` when nothing is: the usual case, the socket
   * took it all at once, then costs no promise, no async frame and no turn of the queue.
   */
  private writeWhole(
    session: ProxySession<Ctx>,
    response: ResponseHeader,
    body: Uint8Array,
    isLent: boolean,
  ): Promise<void> | undefined {
    const out = session.downstream;
    session.bytesSent += body.length;
    const written = out.writeResponse?.(response.status, response.headers, body, response.reason);
    if (out.isWritten !== true) {
      return Promise.resolve(written).then(() => this.wholeWritten(session, isLent));
    }
    return this.wholeWritten(session, isLent);
  }

  /** After {@link HttpProxy.writeWhole}'s write: the time mark, and a lent body's wait. */
  private wholeWritten(session: ProxySession<Ctx>, isLent: boolean): Promise<void> | undefined {
    session.timing.responseHead = performance.now();
    const out = session.downstream;
    return isLent && out.socket.writableLength !== 0 ? out.flushed?.() : undefined;
  }

  /**
   * The response half of an attempt, whatever the upstream protocol: the response filters,
   * then the head and the body downstream (ranges, compression, body filters), then trailers.
   * `writing` settles when the request body went out (undefined: nothing is being sent).
   */
  private async respondFromUpstream(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    head: ResponseHeader,
    upstream: ResponseSource,
    writing: Promise<void> | undefined,
    isFromCache = false,
  ): Promise<void> {
    const phases = this.phases;
    const request = session.request;
    let writer: CacheWriter | undefined;
    if (!isFromCache) {
      if (phases.upstreamResponseFilter !== undefined) {
        const pending = phases.upstreamResponseFilter(session, head, ctx);
        if (isThenable(pending)) await pending;
      }
      const isCacheable =
        phases.responseCacheFilter === undefined ||
        (await phases.responseCacheFilter(session, head, ctx)) !== false;
      const entry = session.cacheRequest;
      if (entry !== undefined) {
        if (head.status >= 500) {
          // stale-if-error covers 5xx answers as well as failures (RFC 5861 section 4).
          const stale = entry.onUpstreamError();
          if (stale !== undefined) {
            upstream.close();
            session.cache.status = entry.status;
            return this.serveCached(session, ctx, stale);
          }
        }
        const decision = isCacheable ? entry.onUpstreamResponse(head) : undefined;
        session.cache.status = entry.status;
        if (decision?.kind === 'revalidated') {
          // The 304 carries no body: let the connection go back to the pool, serve the stored one.
          if (upstream.takeCompleteBody?.() === undefined) upstream.close();
          if (writing !== undefined) await writing;
          return this.serveCached(session, ctx, decision.response);
        }
        if (decision?.kind === 'store') writer = decision.writer;
        if (decision === undefined) entry.finish();
        head.headers.set('Cache-Status', entry.status);
      }
    }
    // A head from the cache is a fresh copy without hop-by-hop fields already.
    const response = isFromCache ? head : downstreamHead(head);
    if (phases.responseFilter !== undefined) {
      const pending = phases.responseFilter(session, response, ctx);
      if (isThenable(pending)) await pending;
    }
    const decoder = session.decompressResponse ? decoderFor(response.headers) : undefined;
    const range =
      request.headers.indexOf('range') < 0
        ? undefined
        : await this.rangeFor(session, ctx, response);
    if (range === 'unsatisfiable') {
      // The upstream body is not needed: the connection cannot be reused before it is read.
      upstream.close();
      const size = response.headers.get('content-length') ?? '*';
      await session.respond(416, '', { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
      return;
    }
    const out = session.downstream;
    let encoder: CodingStep | undefined;
    if (range !== undefined) {
      const h = response.headers;
      h.set('Content-Length', String(range.contentLength));
      if (range.contentRange !== undefined) h.set('Content-Range', range.contentRange);
      if (range.contentType !== undefined) h.set('Content-Type', range.contentType);
      response.status = 206;
      response.reason = 'Partial Content';
    } else if (this.compression !== undefined) {
      encoder = this.compression.encoderFor(request, response.status, response.headers);
    }
    const socket = out.socket;
    const isPlain = decoder === undefined && range === undefined && encoder === undefined;
    // Nothing keeps a chunk on its way to an HTTP/1.1 client: it can pass uncopied from the
    // upstream's read buffer, which the proxy then waits for the client's socket to give back.
    const isRelayed =
      isPlain &&
      writer === undefined &&
      phases.responseBodyFilter === undefined &&
      out.flushed !== undefined;
    if (isPlain) {
      // Fast path: a body that came whole with the head goes out in one corked write with it.
      const isLent = isRelayed && out.writeResponse !== undefined;
      const upstreamBody = upstream.takeCompleteBody?.(isLent);
      if (upstreamBody !== undefined) {
        try {
          // The cache stores the upstream's bytes, the client gets what the body filter makes
          // of them: the same calls as the streaming path makes for a one-chunk body.
          if (writer !== undefined) {
            writer.write(upstreamBody);
            await writer.finish();
          }
          const whole =
            phases.responseBodyFilter === undefined
              ? upstreamBody
              : await filterWholeBody(upstreamBody, (chunk, isEnd) =>
                  // A method call: a class-based ProxyHttp may use `this`.
                  phases.responseBodyFilter?.(session, chunk, isEnd, ctx),
                );
          if (out.writeResponse !== undefined) {
            // HTTP/1.1: head and body in one write (one Buffer when the body is small); a lent
            // body goes back to the upstream's read buffer once the socket took it.
            const pending = this.writeWhole(session, response, whole, isLent);
            if (pending !== undefined) await pending;
            if (writing !== undefined) await writing;
            return;
          }
          if (isWholeH2(out, response.headers)) {
            await this.respondWholeH2(session, response, whole);
            if (writing !== undefined) await writing;
            return;
          }
          // Corked writes past the high-water mark would wait for a 'drain' that a corked
          // socket never emits: only small responses are merged.
          const isCorking =
            out.protocol === undefined &&
            !socket.writableCorked &&
            whole.length < socket.writableHighWaterMark / 2;
          if (isCorking) socket.cork();
          try {
            await out.writeHead(response.status, response.headers, response.reason);
            session.timing.responseHead = performance.now();
            session.bytesSent += whole.length;
            await out.end(whole);
          } finally {
            if (isCorking) socket.uncork();
          }
          if (writing !== undefined) await writing;
          return;
        } finally {
          if (isLent) upstream.release?.();
        }
      }
    }
    // A gRPC "trailers-only" answer (status in the head, no body) becomes head plus trailers
    // for an HTTP/2 client: a head without END_STREAM must be followed by the status in
    // trailers, or the client reads no status at all.
    const moved = out.writeTrailers === undefined ? undefined : takeGrpcStatus(response.headers);
    const body = new ResponseBody(session, phases, { decoder, range, encoder });
    let isStored = false;
    try {
      await out.writeHead(response.status, response.headers, response.reason);
      session.timing.responseHead = performance.now();
      if (isRelayed) {
        // Chunks borrowed from the upstream's read buffer: the next is asked for only once the
        // client's socket no longer points into this one (a write the kernel did not take
        // whole waits in the socket, uncopied).
        for await (const chunk of upstream.body(true)) {
          await body.push(chunk);
          if (socket.writableLength !== 0) await out.flushed?.();
        }
      } else {
        // The cache stores the upstream's bytes as they pass to the client.
        for await (const chunk of upstream.body()) {
          writer?.write(chunk);
          await body.push(chunk);
        }
      }
      if (writer !== undefined) {
        await writer.finish();
        isStored = true;
      }
      await body.finish();
      if (writing !== undefined) await writing;
      if (upstream.trailers !== undefined || moved !== undefined) {
        await this.forwardTrailers(session, ctx, upstream.trailers, moved);
      }
      await out.end();
    } finally {
      if (writer !== undefined && !isStored) writer.abort();
      body.destroy();
    }
  }

  /** Upstream trailers through `responseTrailerFilter`, to a client that can take them (HTTP/2). */
  private async forwardTrailers(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    pending: Promise<HeaderMap> | undefined,
    moved: HeaderMap | undefined,
  ): Promise<void> {
    const trailers = pending === undefined ? new HeaderMap() : await pending;
    if (moved !== undefined) for (const [name, value] of moved) trailers.append(name, value);
    if (trailers.size === 0) return;
    if (this.phases.responseTrailerFilter !== undefined) {
      await this.phases.responseTrailerFilter(session, trailers, ctx);
    }
    if (session.downstream.writeTrailers !== undefined)
      await session.downstream.writeTrailers(trailers);
  }

  /**
   * One attempt to a peer that speaks HTTP/2 (`protocol: 'h2'`, or `'h2h1'` when ALPN chose
   * it) through `@pingora-ts/http2`: multiplexed on a pooled connection, so the connection is
   * known only with the response (`connectedToUpstream` then runs after
   * `upstreamRequestFilter`). `TE: trailers` is kept, as gRPC needs (RFC 9113 section 8.2.2).
   */
  private async exchangeH2(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    peer: ProxyPeer,
    feed: RequestBodyFeed<Ctx>,
    slot: UpstreamSlot,
  ): Promise<void> {
    const phases = this.phases;
    const request = session.request;
    const headers = withoutHopByHop(request.headers);
    if (/\btrailers\b/i.test(request.headers.get('te') ?? '')) headers.set('TE', 'trailers');
    if (feed.isPresent && feed.isFiltered) headers.remove('content-length');
    const upstreamRequest = new RequestHeader(
      request.method,
      request.rawTarget,
      'HTTP/1.1',
      headers,
    );
    if (phases.upstreamRequestFilter !== undefined) {
      const pending = phases.upstreamRequestFilter(session, upstreamRequest, ctx);
      if (isThenable(pending)) await pending;
    }
    if (session.cacheConditional !== undefined)
      setFields(upstreamRequest.headers, session.cacheConditional);
    const http2 = loadedHttp2() ?? (await loadHttp2());
    // One connector, shared by every request to HTTP/2 peers.
    this.h2Upstream ??= new http2.H2Connector();
    const response = await this.h2Upstream.request(peer, {
      method: upstreamRequest.method,
      path: upstreamRequest.rawTarget,
      headers: upstreamRequest.headers,
      body: feed.body(),
    });
    slot.upstream = response;
    session.isUpstreamReused = response.isReused;
    session.timing.upstreamConnected = performance.now();
    session.timing.upstreamResponseHead = session.timing.upstreamConnected;
    session.upstreamResponse = response.head;
    if (phases.connectedToUpstream !== undefined) {
      const pending = phases.connectedToUpstream(session, response.isReused, peer, ctx);
      if (isThenable(pending)) await pending;
    }
    await this.respondFromUpstream(
      session,
      ctx,
      response.head,
      { body: () => response.body, close: () => response.close(), trailers: response.trailers },
      Promise.resolve(),
    );
  }

  /** The byte ranges to serve, `'unsatisfiable'` for a 416, or undefined for the whole body. */
  private async rangeFor(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    response: ResponseHeader,
  ): Promise<RangeBody | 'unsatisfiable' | undefined> {
    const request = session.request;
    const rangeField = request.headers.get('range');
    if (rangeField === undefined || response.status !== 200 || request.method !== 'GET') {
      return undefined;
    }
    const lengthField = response.headers.get('content-length');
    if (lengthField === undefined || response.headers.has('content-encoding')) return undefined;
    if (this.phases.rangeHeaderFilter !== undefined) {
      if ((await this.phases.rangeHeaderFilter(session, ctx)) === false) return undefined;
    }
    const ifRange = request.headers.get('if-range');
    if (ifRange !== undefined && !ifRangeMatches(ifRange, response.headers)) return undefined;
    const size = Number(lengthField);
    const ranges = parseRange(rangeField, size);
    if (ranges === undefined || ranges === 'unsatisfiable') return ranges;
    const body = new RangeBody(ranges, size, response.headers.get('content-type'));
    const isOutOfOrder = ranges.some((r, i) => i > 0 && r.start <= (ranges[i - 1]?.end ?? 0));
    if (isOutOfOrder && size > this.options.maxRangeBufferBytes) return undefined;
    response.headers.set('Accept-Ranges', 'bytes');
    return body;
  }

  /** After a 101: the 101 goes downstream and bytes are relayed both ways. */
  private async switchProtocols(
    session: ProxySession<Ctx>,
    ctx: Ctx,
    upstream: UpstreamSession,
    head: ResponseHeader,
    isUpgrade: boolean,
  ): Promise<void> {
    const downstream = session.downstream;
    if (!isUpgrade || downstream.upgrade === undefined) {
      throw PingoraError.explain('InvalidHTTPHeader', 'upstream switched protocols unasked', {
        source: 'upstream',
      });
    }
    const response = new ResponseHeader(
      101,
      head.reason,
      'HTTP/1.1',
      withoutHopByHop(head.headers, true),
    );
    if (this.phases.responseFilter !== undefined) {
      await this.phases.responseFilter(session, response, ctx);
    }
    const phases = this.phases;
    const isFramed =
      phases.webSocketMessageFilter !== undefined &&
      /^websocket$/i.test(response.headers.get('upgrade') ?? '');
    // Loaded before the 101 goes out: from then on the sockets' bytes belong to the relay.
    const relayWebSocket = isFramed ? (await loadWebSocket()).relayWebSocket : undefined;
    await downstream.writeHead(101, response.headers, response.reason || 'Switching Protocols');
    const up = upstream.takeOver();
    const down = downstream.upgrade();
    if (relayWebSocket !== undefined) {
      // Frame level: every message goes through the filter, each hop with its own framing
      // (and permessage-deflate context) as agreed in the 101.
      const relayed = relayWebSocket(down.socket, down.head, up.socket, up.head, {
        extensions: response.headers.get('sec-websocket-extensions') ?? '',
        protocol: response.headers.get('sec-websocket-protocol') ?? '',
        onMessage: async (message, direction) => {
          // A method call: a class-based ProxyHttp may use `this`.
          const out = await phases.webSocketMessageFilter?.(session, message, direction, ctx);
          return out === undefined ? message : out;
        },
      });
      this.tunnels.add(relayed);
      try {
        const result = await relayed;
        // The filter threw: the relay closed both sides with 1011; logging hears why.
        if (result.hookError !== undefined) {
          session.error = PingoraError.from(
            result.hookError,
            'InternalError',
            'webSocketMessageFilter failed',
          );
        }
      } finally {
        this.tunnels.delete(relayed);
      }
      return;
    }
    const done = tunnel(
      down.socket,
      down.head,
      up.socket,
      up.head,
      this.options.upgradeIdleTimeoutMs,
    );
    this.tunnels.add(done);
    try {
      const result = await done;
      session.bytesSent += result.toDownstream;
      session.bytesReceived += result.toUpstream;
    } finally {
      this.tunnels.delete(done);
    }
  }

  /** The error response (or an abort when the response already started). */
  private async fail(session: ProxySession<Ctx>, error: PingoraError, ctx: Ctx): Promise<void> {
    const stale = session.isResponseStarted ? undefined : session.cacheRequest?.onUpstreamError();
    if (stale !== undefined && error.source === 'upstream') {
      session.cache.status = session.cacheRequest?.status;
      try {
        await this.serveCached(session, ctx, stale);
        return;
      } catch {
        // fall through to the error answer
      }
    }
    if (session.isResponseStarted) {
      // Part of a response went out: the client must see it cut, not completed.
      cutDownstream(session.downstream);
      return;
    }
    let status = error.downstreamStatus();
    if (this.phases.failToProxy !== undefined) {
      try {
        const chosen = await this.phases.failToProxy(session, error, ctx);
        if (session.isResponseStarted) return;
        if (chosen?.status !== undefined) status = chosen.status;
      } catch {
        // The default answer below still goes out.
      }
    }
    if (status === undefined || isClientGone(session.downstream)) {
      cutDownstream(session.downstream);
      return;
    }
    try {
      await this.writeError(session, status, undefined, error.source === 'downstream');
    } catch {
      cutDownstream(session.downstream);
    }
  }

  /** An error response: empty body (or a short reason), never cached (as Pingora's). */
  private writeError(
    session: ProxySession<Ctx>,
    status: number,
    reason?: string,
    isClosing = false,
  ): Promise<void> {
    const body = reason ?? '';
    const headers = new HeaderMap([
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Cache-Control', 'private, no-store'],
    ]);
    if (reason !== undefined) headers.set('Content-Type', 'text/plain; charset=utf-8');
    if (isClosing) headers.set('Connection', 'close');
    return session.downstream.writeHead(status, headers).then(() => session.downstream.end(body));
  }
}
