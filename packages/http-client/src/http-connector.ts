import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PingoraError } from '@pingora-ts/error';
import { HeaderMap, RequestHeader, type ResponseHeader } from '@pingora-ts/http-parser';
import { ConnectionPool, type PoolOptions } from '@pingora-ts/pool';
import { type TimerWheel, TimerWheel as Wheel } from '@pingora-ts/timeout';
import type { TlsSessionCache } from '@pingora-ts/tls';
import { connectPeer } from './connect-peer.js';
import { CLIENT_DEFAULTS, type HttpPeer, httpKeys, httpPeerKey } from './http-peer.js';
import { type RequestBody, UpstreamSession } from './upstream-session.js';

/** Options of {@link HttpConnector}. */
export interface HttpConnectorOptions {
  /** Idle connections to reuse; default: a pool of its own (closed by `close()`). */
  pool?: ConnectionPool<Socket>;
  /** Caps and idle timeout of the connector's own pool (ignored with `pool`). */
  poolOptions?: PoolOptions;
  /** TLS sessions to resume. */
  sessions?: TlsSessionCache;
  /** Deadlines for every read, write and connect; default: a wheel of its own. */
  wheel?: TimerWheel;
  /**
   * Largest read of a plain TCP or Unix connection into memory of its own (two buffers filled
   * in turn, 16 KiB each until a read fills one, then this size; see `connectPeer`); 0 (the
   * default): Node allocates each read.
   * With it, a response body read with `body(true)` comes in borrowed chunks (valid until the
   * next is asked for), which a proxy can write on without a copy; `body()` and `bytes()` copy
   * them. 64 KiB (Node's own read size) suits large bodies; smaller reads cost more per byte
   * (through the proxy, 32 KiB lost all of the gain at 64 KiB responses).
   */
  readBufferBytes?: number;
}

/** A request as plain data, for {@link HttpConnector.request}. */
export interface RequestInit {
  method?: string;
  /** Request target (origin form, e.g. `/path?q=1`). Default `/`. */
  path?: string;
  headers?: Iterable<readonly [string, string]> | Record<string, string>;
  body?: RequestBody;
}

/** A response whose body streams; read `body` to the end (or `close()`) to free the connection. */
export interface UpstreamResponse {
  head: ResponseHeader;
  status: number;
  body: AsyncIterable<Uint8Array>;
  /** True when the exchange ran on a connection from the pool. */
  isReused: boolean;
  /** Reads the whole body into one Buffer (for small bodies). */
  bytes(): Promise<Buffer>;
  /** Abandons the body and closes the connection. */
  close(): void;
  /** The session, for a 101 (`takeOver()`). */
  session: UpstreamSession;
}

/**
 * Upstream HTTP/1.1 over pooled connections: `session(peer)` hands out an
 * {@link UpstreamSession} on an idle connection of that peer or a new one (TCP, Unix, TLS),
 * and `request(peer, init)` runs a whole exchange. A request that fails on a reused
 * connection before any response byte arrived (the peer had closed it while idle) is retried
 * once on a fresh connection when its body can be sent again.
 *
 * @example
 * ```ts
 * const client = new HttpConnector();
 * const res = await client.request({ host: '127.0.0.1', port: 8080 }, { path: '/health' });
 * console.log(res.status, (await res.bytes()).toString());
 * ```
 */
export class HttpConnector {
  private readonly pool: ConnectionPool<Socket>;
  private readonly ownsPool: boolean;
  private readonly sessions: TlsSessionCache | undefined;
  private readonly wheel: TimerWheel;
  private readonly ownsWheel: boolean;
  private readonly keys = new WeakMap<HttpPeer, string>();
  private readonly readBufferBytes: number;

  constructor(options: HttpConnectorOptions = {}) {
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool ?? new ConnectionPool<Socket>(options.poolOptions);
    this.sessions = options.sessions;
    this.ownsWheel = options.wheel === undefined;
    this.wheel = options.wheel ?? new Wheel({ tickMs: 10, unref: true });
    this.readBufferBytes = options.readBufferBytes ?? 0;
  }

  /**
   * An exchange on `peer`: a pooled connection when one is idle (`isReused`), else a new one
   * within the connect timeout. `fresh` skips the pool.
   */
  session(
    peer: HttpPeer,
    fresh = false,
    deadlineAt = Number.POSITIVE_INFINITY,
  ): Promise<UpstreamSession> {
    const key = this.keyOf(peer);
    const pooled = fresh ? undefined : this.takePooled(peer, key);
    return pooled === undefined
      ? this.freshSession(peer, key, deadlineAt)
      : Promise.resolve(pooled);
  }

  /**
   * An exchange on an idle pooled connection of `peer`, or `undefined` when none is idle: the
   * synchronous half of {@link HttpConnector.session}, for a caller that would rather not wait
   * a turn of the microtask queue for a connection that is already there.
   */
  pooledSession(peer: HttpPeer): UpstreamSession | undefined {
    return this.takePooled(peer, this.keyOf(peer));
  }

  private takePooled(peer: HttpPeer, key: string): UpstreamSession | undefined {
    const conn = this.pool.takeConnection(key);
    return conn === undefined ? undefined : this.makeSession(peer, key, conn, true);
  }

  /** An exchange on a new connection to `peer`, within the connect timeout. */
  private async freshSession(
    peer: HttpPeer,
    key: string,
    deadlineAt: number,
  ): Promise<UpstreamSession> {
    const left = deadlineAt - performance.now();
    if (left <= 0) {
      throw PingoraError.explain('ConnectTimedout', 'total connect timeout spent', {
        source: 'upstream',
      });
    }
    const timeout = Math.min(peer.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs, left);
    const socket = await connectPeer(
      peer,
      timeout,
      this.wheel,
      this.sessions,
      this.readBufferBytes,
    );
    return this.makeSession(peer, key, socket, false);
  }

  private makeSession(
    peer: HttpPeer,
    key: string,
    socket: Socket,
    isReused: boolean,
  ): UpstreamSession {
    const idleTimeoutMs = peer.idleTimeoutMs ?? CLIENT_DEFAULTS.idleTimeoutMs;
    return new UpstreamSession({
      socket,
      isReused,
      wheel: this.wheel,
      readTimeoutMs: peer.readTimeoutMs ?? CLIENT_DEFAULTS.readTimeoutMs,
      writeTimeoutMs: peer.writeTimeoutMs ?? CLIENT_DEFAULTS.writeTimeoutMs,
      onRelease: (s, outcome, watcher) => {
        if (outcome === 'reused') this.pool.put(key, s, { idleTimeoutMs }, watcher);
      },
    });
  }

  /** Runs one request; the response body streams (see {@link UpstreamResponse}). */
  async request(peer: HttpPeer, init: RequestInit = {}): Promise<UpstreamResponse> {
    const headers = new HeaderMap(
      init.headers === undefined
        ? undefined
        : Symbol.iterator in init.headers
          ? (init.headers as Iterable<readonly [string, string]>)
          : Object.entries(init.headers),
    );
    if (!headers.has('host'))
      headers.set('Host', peer.port === 80 ? peer.host : `${peer.host}:${peer.port}`);
    const head = new RequestHeader(init.method ?? 'GET', init.path ?? '/', 'HTTP/1.1', headers);
    const isReplayable = init.body === undefined || init.body instanceof Uint8Array;
    const deadlineAt =
      performance.now() + (peer.totalConnectTimeoutMs ?? CLIENT_DEFAULTS.totalConnectTimeoutMs);
    let session = await this.session(peer, false, deadlineAt);
    for (let attempt = 0; ; attempt++) {
      try {
        await session.writeRequest(head, init.body);
        const response = await session.readResponseHead();
        const s = session;
        const body = s.body();
        return {
          head: response,
          status: response.status,
          body,
          isReused: s.isReused,
          session: s,
          close: () => s.close(),
          bytes: async () => {
            const parts: Uint8Array[] = [];
            for await (const part of body) parts.push(part);
            return Buffer.concat(parts);
          },
        };
      } catch (error) {
        const e = PingoraError.from(error);
        // RFC 9112 9.3.1: a request on a kept-alive connection that the peer closed before
        // answering may be retried on a new one when nothing of it can have been processed.
        if (attempt === 0 && session.isReused && e.canRetry(true) && isReplayable) {
          session = await this.session(peer, true, deadlineAt);
          continue;
        }
        throw e;
      }
    }
  }

  /** Pool statistics (hits, misses, evictions). */
  stats(): ReturnType<ConnectionPool<Socket>['stats']> {
    return this.pool.stats();
  }

  /** Closes idle connections (and the pool and wheel this connector made). */
  close(): void {
    if (this.ownsPool) this.pool.close();
    if (this.ownsWheel) this.wheel.close();
  }

  private keyOf(peer: HttpPeer): string {
    // Peers keyed by address have their own cache (see httpPeerKey); remembering each of the
    // fresh objects a proxy makes per request would only fill the WeakMap.
    const cached = httpKeys.cached(peer);
    if (cached !== undefined) return cached;
    let key = this.keys.get(peer);
    if (key === undefined) {
      key = httpPeerKey(peer);
      this.keys.set(peer, key);
    }
    return key;
  }
}
