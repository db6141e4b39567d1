import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import type { CacheRequest } from '@pingora-ts/cache';
import { PingoraError } from '@pingora-ts/error';
import type { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import type { ProxyPeer } from './proxy-http.js';

/**
 * The downstream side of one exchange, HTTP/1.1 (`HttpSession` of `@pingora-ts/http-server`)
 * or HTTP/2 (`H2Session` of `@pingora-ts/http2`): both have these members.
 */
export interface DownstreamSession {
  readonly request: RequestHeader;
  readonly socket: Socket;
  readonly response: ResponseHeader | undefined;
  readonly isFinished: boolean;
  readonly isBodyDone: boolean;
  /** `'h2'` for HTTP/2 sessions; absent for HTTP/1.x. */
  readonly protocol?: string;
  body(): AsyncGenerator<Uint8Array, void, undefined>;
  writeHead(
    status: number,
    headers?: HeaderMap | Record<string, string> | Iterable<readonly [string, string]>,
    reason?: string,
  ): Promise<void>;
  write(chunk: Uint8Array): Promise<void>;
  end(chunk?: Uint8Array | string): Promise<void>;
  respond(
    status: number,
    body?: Uint8Array | string,
    headers?: HeaderMap | Record<string, string> | Iterable<readonly [string, string]>,
  ): Promise<void>;
  /**
   * HTTP/1.1: the head and the whole (small) body in one write, and the response ended.
   * Absent elsewhere: the proxy then uses `writeHead` and `end`.
   */
  writeResponse?(
    status: number,
    headers: HeaderMap | undefined,
    body: Uint8Array,
    reason?: string,
  ): Promise<void>;
  /**
   * HTTP/1.1: resolves once the socket holds none of the bytes written so far (the proxy then
   * reuses the memory of a relayed chunk). Absent elsewhere.
   */
  flushed?(): Promise<void>;
  /** HTTP/1.1: true once `writeResponse` handed the whole response over (its promise resolved). */
  readonly isWritten?: boolean;
  /** HTTP/1.1 only: hands the raw socket over after a 101. */
  upgrade?(): { socket: Socket; head: Buffer };
  /** HTTP/2 only: trailers after the body. */
  writeTrailers?(trailers: HeaderMap): Promise<void>;
  /** HTTP/2 only: resets the stream (the connection carries other streams). */
  abort?(): void;
  /** HTTP/2 only: aborted when the stream is reset or its connection ends. */
  readonly signal?: AbortSignal;
  /**
   * Multiplexed sessions (HTTP/2): calls `listener` once when `signal` aborts (at once if it
   * did already), without making the signal; the proxy prefers it to a listener on `signal`.
   */
  onAbort?(listener: () => void): void;
}

/** TLS facts of the downstream connection. */
export interface DownstreamTls {
  /** SNI the client sent, if any. */
  readonly servername: string | undefined;
  /** ALPN protocol chosen (`'h2'`, `'http/1.1'`) or undefined. */
  readonly alpn: string | undefined;
  /** `'TLSv1.3'`, `'TLSv1.2'`, ... */
  readonly version: string | undefined;
  /** Cipher name. */
  readonly cipher: string | undefined;
  /** True when this was a resumed TLS session. */
  readonly isResumed: boolean;
}

/** Moments of an exchange (`performance.now()` milliseconds; 0 until reached). */
export interface ProxyTiming {
  /** The request head was read. */
  start: number;
  /** A connection to the (last) peer was ready. */
  upstreamConnected: number;
  /** The upstream response head arrived. */
  upstreamResponseHead: number;
  /** The response head was written downstream. */
  responseHead: number;
  /** The exchange ended (response complete or failed). */
  end: number;
}

/** Cache switches of a request (see `@pingora-ts/cache`). */
export interface CacheSwitches {
  /** Set by `requestCacheFilter` to use the cache for this request. */
  isEnabled: boolean;
  /** The `Cache-Status` value of the response once known (RFC 9211). */
  status: string | undefined;
}

/**
 * Everything a phase knows about one exchange: the request head (mutable: filters rewrite it
 * before it goes upstream), facts about the client connection, the response once known,
 * timing marks, retries, the peers tried and the cache switches. The user's state travels
 * beside it as `ctx`.
 */
export class ProxySession<Ctx = unknown> {
  /** The downstream exchange. */
  readonly downstream: DownstreamSession;
  /** The per-request state of `newCtx`. */
  readonly ctx: Ctx;
  /** Timing marks. */
  readonly timing: ProxyTiming;
  /** Attempts after the first one (0 on the first). */
  retries = 0;
  /** The peer of the current (or last) attempt. */
  peer: ProxyPeer | undefined;
  /** True when the current (or last) attempt ran on a pooled connection. */
  isUpstreamReused = false;
  /** The response head as received from upstream (before `responseFilter`). */
  upstreamResponse: ResponseHeader | undefined;
  /** Response body bytes written downstream. */
  bytesSent = 0;
  /** Request body bytes read from the client. */
  bytesReceived = 0;
  /** The error that ended the exchange, if any. */
  error: PingoraError | undefined;
  /**
   * Set (before `responseBodyFilter` runs, e.g. in `responseFilter`) to have a compressed
   * upstream body (gzip, deflate, br, zstd) decoded, so body filters see plain bytes; the
   * response then goes without that Content-Encoding (or re-compressed by the module).
   */
  decompressResponse = false;
  /** @internal The cache's handle on this request, while it has one. */
  cacheRequest: CacheRequest | undefined;
  /** @internal Conditional fields to send upstream when revalidating a stored response. */
  cacheConditional: readonly (readonly [string, string])[] | undefined;
  /** The whole request body once {@link ProxySession.readRequestBody} read it. */
  bufferedBody: Buffer | undefined;
  // Made on first use: most exchanges try one peer and never touch the cache switches, and an
  // array made empty then pushed to gets room for 17 (about 150 bytes per request).
  private switches: CacheSwitches | undefined;
  private tried: string[] | undefined;

  /** @internal */
  constructor(downstream: DownstreamSession, ctx: Ctx, start = performance.now()) {
    this.downstream = downstream;
    this.ctx = ctx;
    this.timing = { start, upstreamConnected: 0, upstreamResponseHead: 0, responseHead: 0, end: 0 };
  }

  /** Cache switches. */
  get cache(): CacheSwitches {
    if (this.switches === undefined) this.switches = { isEnabled: false, status: undefined };
    return this.switches;
  }

  /** `host:port` of every peer tried so far, in order. */
  get triedPeers(): string[] {
    if (this.tried === undefined) this.tried = [];
    return this.tried;
  }

  /** @internal Records the address of the peer an attempt goes to. */
  addTriedPeer(address: string): void {
    if (this.tried === undefined) this.tried = [address];
    else this.tried.push(address);
  }

  /** The request head (filters may change method, path and headers before it goes upstream). */
  get request(): RequestHeader {
    return this.downstream.request;
  }

  /** The response head written downstream, once written. */
  get response(): ResponseHeader | undefined {
    return this.downstream.response;
  }

  /** True once a response head went downstream (an error can then only abort). */
  get isResponseStarted(): boolean {
    return this.downstream.response !== undefined;
  }

  /** `'h2'` or `'http/1.1'` (HTTP/1.0 requests say `'http/1.0'`). */
  get protocol(): string {
    return this.downstream.protocol ?? this.downstream.request.version.toLowerCase();
  }

  /** The client's IP address. */
  get clientAddress(): string | undefined {
    return this.downstream.socket.remoteAddress;
  }

  /** The client's port. */
  get clientPort(): number | undefined {
    return this.downstream.socket.remotePort;
  }

  /** True when the client spoke TLS to us. */
  get isTls(): boolean {
    return (this.downstream.socket as Partial<TLSSocket>).encrypted === true;
  }

  /** TLS facts, or undefined for plain connections. */
  get tls(): DownstreamTls | undefined {
    if (!this.isTls) return undefined;
    const s = this.downstream.socket as TLSSocket;
    const alpn = s.alpnProtocol;
    return {
      servername: (s as TLSSocket & { servername?: string | false }).servername || undefined,
      alpn: typeof alpn === 'string' ? alpn : undefined,
      version: s.getProtocol?.() ?? undefined,
      cipher: s.getCipher?.()?.name,
      isResumed: s.isSessionReused?.() ?? false,
    };
  }

  /** The host the client asked for (Host header, or the authority of an absolute target). */
  get host(): string | undefined {
    return this.request.headers.get('host');
  }

  /** True when `addr` (`host:port`) was tried already by this request. */
  hasTried(addr: string): boolean {
    return this.tried?.includes(addr) === true;
  }

  /**
   * Reads the whole request body (up to `maxBytes`, else a 413 error) so that filters can look
   * at it; the proxy then sends these bytes upstream, and a failed attempt can be retried.
   */
  async readRequestBody(maxBytes = 1024 * 1024): Promise<Buffer> {
    if (this.bufferedBody !== undefined) return this.bufferedBody;
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.downstream.body()) {
      size += chunk.length;
      if (size > maxBytes) {
        throw PingoraError.explain('BodyTooLarge', `request body over ${maxBytes} bytes`, {
          source: 'downstream',
        });
      }
      parts.push(chunk);
    }
    this.bytesReceived = size;
    this.bufferedBody = Buffer.concat(parts, size);
    return this.bufferedBody;
  }

  /** Writes a whole response downstream (from a filter or `failToProxy`). */
  respond(
    status: number,
    body?: Uint8Array | string,
    headers?: HeaderMap | Record<string, string> | Iterable<readonly [string, string]>,
  ): Promise<void> {
    return this.downstream.respond(status, body, headers);
  }
}
