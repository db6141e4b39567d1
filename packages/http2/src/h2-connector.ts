import { Buffer } from 'node:buffer';
import http2, { type ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PingoraError } from '@pingora-ts/error';
import {
  CLIENT_DEFAULTS,
  connectPeer,
  HttpConnector,
  httpPeerKey,
  type RequestInit,
  UpstreamSession,
} from '@pingora-ts/http-client';
import { HeaderMap, RequestHeader } from '@pingora-ts/http-parser';
import { ConnectionPool } from '@pingora-ts/pool';
import { TimerWheel } from '@pingora-ts/timeout';
import { connectTls, type TlsSessionCache } from '@pingora-ts/tls';
import {
  type H2ClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.js';
import { type H2Peer, h2Keys, h2PeerKey } from './h2-peer.js';
import { requestToH2 } from './header-translation.js';
import { UpstreamConnection } from './upstream-connection.js';
import { exchange, type H2UpstreamResponse } from './upstream-exchange.js';

/** The request's fields as a map (a copy, validated). */
function headerMapOf(init: RequestInit['headers']): HeaderMap {
  if (init === undefined) return new HeaderMap();
  return new HeaderMap(
    Symbol.iterator in init ? (init as Iterable<readonly [string, string]>) : Object.entries(init),
  );
}

/** `host[:port]`, the port left out when it is the scheme's default (RFC 9110 4.2). */
function authorityOf(peer: H2Peer): string {
  return peer.port === (peer.tls ? 443 : 80) ? peer.host : `${peer.host}:${peer.port}`;
}

/** Options of {@link H2Connector}. */
export interface H2ConnectorOptions extends H2ClientOptions {
  /** TLS sessions to resume. */
  sessions?: TlsSessionCache;
  /** Deadlines for reads, writes, PINGs and idle connections; default: a wheel of its own. */
  wheel?: TimerWheel;
}

/** A peer's HTTP/2 connections, and the one being opened. */
interface PeerConnections {
  readonly conns: UpstreamConnection[];
  opening: Promise<UpstreamConnection | Socket> | undefined;
}

/**
 * Upstream HTTP/2 with HTTP/1.1 beside it: `request(peer, init)` multiplexes requests over
 * pooled HTTP/2 connections per peer (another connection is opened when every one is at its
 * stream limit; a connection that got GOAWAY takes no new stream and the next request
 * reconnects; PING keepalive closes a connection whose peer stopped answering). The peer's
 * `protocol` picks the version: `h2` only, `h1` only, or `h2h1` (ALPN chooses; a peer that
 * chooses HTTP/1.1 is remembered and served by an `HttpConnector` over the same pool).
 *
 * Retries, once and only with a body that can be sent again: a stream the peer refused
 * (REFUSED_STREAM, or above a GOAWAY's last stream id: never processed, RFC 9113 8.7) and a
 * reused connection that closed before answering.
 *
 * @example
 * ```ts
 * const client = new H2Connector();
 * const res = await client.request({ host: '127.0.0.1', port: 8443, tls: { verify: false } }, { path: '/' });
 * console.log(res.protocol, res.status, (await res.bytes()).length, await res.trailers);
 * ```
 */
export class H2Connector {
  private readonly options: ResolvedClientOptions;
  private readonly sessions: TlsSessionCache | undefined;
  private readonly wheel: TimerWheel;
  private readonly ownsWheel: boolean;
  private readonly peers = new Map<string, PeerConnections>();
  /** Keys of peers that answered ALPN with HTTP/1.1. */
  private readonly chose1 = new Set<string>();
  private readonly h1Pool = new ConnectionPool<Socket>();
  private readonly h1: HttpConnector;
  /** Pool keys by peer object: a key is a SHA-256, not worth computing per request. */
  private readonly keys = new WeakMap<H2Peer, string>();
  private isClosed = false;

  constructor(options: H2ConnectorOptions = {}) {
    this.options = resolveClientOptions(options);
    this.sessions = options.sessions;
    this.ownsWheel = options.wheel === undefined;
    this.wheel = options.wheel ?? new TimerWheel({ tickMs: 10, unref: true });
    this.h1 = new HttpConnector({
      pool: this.h1Pool,
      wheel: this.wheel,
      ...(this.sessions === undefined ? {} : { sessions: this.sessions }),
    });
  }

  /**
   * Runs one request; the response body streams (see {@link H2UpstreamResponse}). Failures
   * are `PingoraError`s from the upstream with the retry decision of their cause.
   */
  async request(peer: H2Peer, init: RequestInit = {}): Promise<H2UpstreamResponse> {
    if (this.isClosed) throw new TypeError('H2Connector is closed');
    const key = this.keyOf(peer);
    if (this.speaksH1(peer, key)) return this.requestH1(peer, init);
    const headers = headerMapOf(init.headers);
    const authority = authorityOf(peer);
    const head = new RequestHeader(init.method ?? 'GET', init.path ?? '/', 'HTTP/1.1', headers);
    const h2headers = requestToH2(head, peer.tls ? 'https' : 'http', authority);
    const isReplayable = init.body === undefined || init.body instanceof Uint8Array;
    const deadlineAt =
      performance.now() + (peer.totalConnectTimeoutMs ?? CLIENT_DEFAULTS.totalConnectTimeoutMs);
    for (let attempt = 0; ; attempt++) {
      // Most requests find room on an open connection: take it without a promise.
      const conn = this.roomyConnection(key) ?? (await this.connectionFor(peer, key, deadlineAt));
      if (conn === 'h1') return this.requestH1(peer, init);
      if (!(conn instanceof UpstreamConnection)) return this.requestOnH1Socket(peer, conn, init);
      // connectionFor took the slot already (no await between the room check and the take).
      const isReused = conn.served > 1;
      try {
        return await exchange(
          {
            conn,
            isReused,
            wheel: this.wheel,
            readTimeoutMs: peer.readTimeoutMs ?? CLIENT_DEFAULTS.readTimeoutMs,
            writeTimeoutMs: peer.writeTimeoutMs ?? CLIENT_DEFAULTS.writeTimeoutMs,
          },
          h2headers,
          init.body,
        );
      } catch (error) {
        const e = PingoraError.from(error);
        if (attempt === 0 && isReplayable && e.canRetry(isReused)) continue;
        throw e;
      }
    }
  }

  /** Open HTTP/2 connections and the streams they carry now. */
  stats(): { connections: number; streams: number; h1: ReturnType<HttpConnector['stats']> } {
    let connections = 0;
    let streams = 0;
    for (const p of this.peers.values()) {
      for (const c of p.conns) {
        connections++;
        streams += c.active;
      }
    }
    return { connections, streams, h1: this.h1.stats() };
  }

  /** Closes every connection (streams in flight finish first) and the pools. Idempotent. */
  close(): void {
    this.isClosed = true;
    for (const p of this.peers.values()) for (const c of [...p.conns]) c.close();
    this.peers.clear();
    this.h1.close();
    this.h1Pool.close();
    if (this.ownsWheel) this.wheel.close();
  }

  private keyOf(peer: H2Peer): string {
    // Peers keyed by address have their own cache (see h2PeerKey); remembering each of the
    // fresh objects a proxy makes per request would only fill the WeakMap.
    const cached = h2Keys.cached(peer);
    if (cached !== undefined) return cached;
    let key = this.keys.get(peer);
    if (key === undefined) {
      key = h2PeerKey(peer);
      this.keys.set(peer, key);
    }
    return key;
  }

  private speaksH1(peer: H2Peer, key: string): boolean {
    const protocol = peer.protocol ?? 'h2h1';
    if (protocol === 'h1') return true;
    if (protocol === 'h2') return false;
    // h2 preferred: only ALPN can agree on it (RFC 9113 3.2: no h2c upgrade from a client
    // that wants HTTP/2 with prior knowledge only when it knows the peer).
    return peer.tls === undefined || peer.unixPath !== undefined || this.chose1.has(key);
  }

  private async requestH1(peer: H2Peer, init: RequestInit): Promise<H2UpstreamResponse> {
    const res = await this.h1.request(peer, init);
    return {
      head: res.head,
      status: res.status,
      body: res.body,
      isReused: res.isReused,
      protocol: 'http/1.1',
      trailers: Promise.resolve(new HeaderMap()),
      bytes: () => res.bytes(),
      close: () => res.close(),
    };
  }

  /**
   * One exchange on a connection whose ALPN just chose HTTP/1.1 (a fresh connection: a failure
   * is not retried as on a stale pooled one); kept alive, it joins the HTTP/1.1 pool.
   */
  private async requestOnH1Socket(
    peer: H2Peer,
    socket: Socket,
    init: RequestInit,
  ): Promise<H2UpstreamResponse> {
    const key = httpPeerKey(peer);
    const idleTimeoutMs = peer.idleTimeoutMs ?? CLIENT_DEFAULTS.idleTimeoutMs;
    const session = new UpstreamSession({
      socket,
      isReused: false,
      wheel: this.wheel,
      readTimeoutMs: peer.readTimeoutMs ?? CLIENT_DEFAULTS.readTimeoutMs,
      writeTimeoutMs: peer.writeTimeoutMs ?? CLIENT_DEFAULTS.writeTimeoutMs,
      onRelease: (s, outcome, watcher) => {
        if (outcome === 'reused') this.h1Pool.put(key, s, { idleTimeoutMs }, watcher);
      },
    });
    const headers = headerMapOf(init.headers);
    if (!headers.has('host')) headers.set('Host', authorityOf(peer));
    const head = new RequestHeader(init.method ?? 'GET', init.path ?? '/', 'HTTP/1.1', headers);
    try {
      await session.writeRequest(head, init.body);
      const response = await session.readResponseHead();
      const body = session.body();
      return {
        head: response,
        status: response.status,
        body,
        isReused: false,
        protocol: 'http/1.1',
        trailers: Promise.resolve(new HeaderMap()),
        close: () => session.close(),
        bytes: async () => {
          const parts: Uint8Array[] = [];
          for await (const part of body) parts.push(part);
          return Buffer.concat(parts);
        },
      };
    } catch (error) {
      session.close();
      throw PingoraError.from(error);
    }
  }

  /** An open connection of `key` with room for one more stream, its slot taken. */
  private roomyConnection(key: string): UpstreamConnection | undefined {
    const entry = this.peers.get(key);
    if (entry === undefined) return undefined;
    for (const c of entry.conns) {
      if (c.hasRoom) {
        c.acquire();
        return c;
      }
    }
    return undefined;
  }

  /**
   * A connection with room for one more stream, or a new one; the new Socket when ALPN chose
   * HTTP/1.1 for it, `'h1'` for requests that waited on that handshake.
   */
  private async connectionFor(
    peer: H2Peer,
    key: string,
    deadlineAt: number,
  ): Promise<UpstreamConnection | Socket | 'h1'> {
    let entry = this.peers.get(key);
    if (entry === undefined) {
      entry = { conns: [], opening: undefined };
      this.peers.set(key, entry);
    }
    for (;;) {
      for (const c of entry.conns) {
        if (c.hasRoom) {
          c.acquire();
          return c;
        }
      }
      if (entry.opening !== undefined) {
        // Requests that arrive while a connection is being opened wait for it: one handshake
        // serves them all, up to its stream limit.
        const opened = await entry.opening;
        // The peer chose HTTP/1.1: that socket serves the request that opened it.
        if (!(opened instanceof UpstreamConnection)) return 'h1';
        continue;
      }
      const e: PeerConnections = entry;
      const opening = this.open(peer, key, deadlineAt);
      e.opening = opening;
      try {
        const opened = await opening;
        if (opened instanceof UpstreamConnection) e.conns.push(opened);
        else {
          this.chose1.add(key);
          return opened;
        }
      } finally {
        e.opening = undefined;
      }
    }
  }

  private async open(
    peer: H2Peer,
    key: string,
    deadlineAt: number,
  ): Promise<UpstreamConnection | Socket> {
    const left = deadlineAt - performance.now();
    if (left <= 0) {
      throw PingoraError.explain('ConnectTimedout', 'total connect timeout spent', {
        source: 'upstream',
      });
    }
    const timeoutMs = Math.min(peer.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs, left);
    let socket: Socket;
    if (peer.tls !== undefined && peer.unixPath === undefined) {
      const connected = await connectTls(
        {
          ...peer.tls,
          host: peer.host,
          port: peer.port,
          alpn: (peer.protocol ?? 'h2h1') === 'h2' ? 'h2' : 'h2h1',
          timeoutMs,
        },
        this.sessions,
      ).catch((error: unknown) => {
        // RFC 7301 3.2: a server that speaks none of the offered protocols answers
        // no_application_protocol; offering h2 only, that means no HTTP/2 there.
        const cause = PingoraError.is(error) ? error.cause : error;
        if (
          (cause as { code?: unknown } | undefined)?.code ===
          'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL'
        ) {
          throw PingoraError.because(
            'H2Downgrade',
            `${peer.host}:${peer.port} does not offer h2 in ALPN`,
            error,
            { source: 'upstream', retry: 'never' },
          );
        }
        throw error;
      });
      socket = connected.socket;
      socket.setNoDelay(true);
      if (connected.alpn !== 'h2') {
        if (peer.protocol === 'h2') {
          socket.destroy();
          throw PingoraError.explain(
            'H2Downgrade',
            `${peer.host}:${peer.port} did not choose h2 in ALPN (got ${connected.alpn ?? 'none'})`,
            { source: 'upstream', retry: 'never' },
          );
        }
        return socket;
      }
    } else {
      socket = await connectPeer(peer, timeoutMs, this.wheel, undefined);
    }
    const session = await this.handshake(peer, socket, timeoutMs);
    const entry = (): PeerConnections | undefined => this.peers.get(key);
    return new UpstreamConnection(
      session,
      this.wheel,
      this.options,
      peer.idleTimeoutMs ?? CLIENT_DEFAULTS.idleTimeoutMs,
      (c) => {
        const list = entry()?.conns;
        const i = list?.indexOf(c) ?? -1;
        if (list !== undefined && i >= 0) list.splice(i, 1);
      },
    );
  }

  /** Starts HTTP/2 on `socket` and waits for the peer's SETTINGS (its stream limit). */
  private handshake(peer: H2Peer, socket: Socket, timeoutMs: number): Promise<ClientHttp2Session> {
    const scheme = peer.tls === undefined ? 'http' : 'https';
    const session = http2.connect(`${scheme}://${peer.host}:${peer.port}`, {
      createConnection: () => socket,
      settings: { initialWindowSize: this.options.initialWindowSize, enablePush: false },
    });
    session.on('error', () => {});
    socket.on('error', () => {});
    return new Promise<ClientHttp2Session>((resolve, reject) => {
      const done = (error?: PingoraError) => {
        timer.cancel();
        session.off('remoteSettings', onSettings);
        session.off('close', onClose);
        if (error === undefined) {
          session.setLocalWindowSize(this.options.connectionWindowSize);
          resolve(session);
        } else {
          session.destroy();
          reject(error);
        }
      };
      const onSettings = () => done();
      const onClose = () =>
        done(
          PingoraError.explain(
            'ConnectError',
            `${peer.host}:${peer.port} closed during the HTTP/2 preface`,
            {
              source: 'upstream',
            },
          ),
        );
      const timer = this.wheel.deadline(timeoutMs, () =>
        done(
          PingoraError.explain('ConnectTimedout', `no HTTP/2 SETTINGS within ${timeoutMs} ms`, {
            source: 'upstream',
          }),
        ),
      );
      session.once('remoteSettings', onSettings);
      session.once('close', onClose);
    });
  }
}
