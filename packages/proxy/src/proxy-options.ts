import type { TlsOptions } from 'node:tls';
import type { HttpCache } from '@pingora-ts/cache';
import type { HttpConnector } from '@pingora-ts/http-client';
import type { HttpServerOptions } from '@pingora-ts/http-server';
import type { CompressionOptions } from './compression.js';
import type { ProxyHttp2Options } from './downstream-router.js';

/** Options of {@link HttpProxy}; every default is in {@link PROXY_DEFAULTS}. */
export interface HttpProxyOptions {
  /** Upstream connections (and their pool); default: a connector of its own, closed by `close()`. */
  connector?: HttpConnector;
  /**
   * Largest read of each upstream connection of the proxy's own connector into memory of its
   * own (`HttpConnector`'s `readBufferBytes`; a connection holds twice this): a response body
   * then passes to an HTTP/1.1 client with no allocation and no copy per read. 0 turns it off.
   * Ignored with `connector`.
   */
  upstreamReadBufferBytes?: number;
  /**
   * Idle upstream connections the proxy's own connector keeps, per peer and in all (the
   * pool's `maxIdlePerKey` and `maxIdle`). It should be at least the number of exchanges in
   * flight to a peer at peak: HTTP/2 clients multiplex, so a few of them make hundreds, and a
   * pool smaller than that closes connections that are wanted again a moment later (at 256
   * streams in flight the pool's own default of 128 cost a new connection every 50 requests).
   * An idle connection closes after the peer's `idleTimeoutMs`, and keeps its read buffers
   * until then (2 x 16 KiB, up to 2 x `upstreamReadBufferBytes` once a large body came): a
   * burst of 1024 large exchanges can leave up to 160 MB in the pool for that long. 0 turns
   * pooling off. Ignored with `connector`.
   */
  upstreamPoolSize?: number;
  /** Attempts after the first one that `failToConnect` / `errorWhileProxy` may ask for. */
  maxRetries?: number;
  /**
   * Request bodies with a Content-Length up to this many bytes are read whole before the
   * first attempt, so that a failed attempt can be retried; larger ones stream (sent once).
   */
  retryBufferBytes?: number;
  /** How long an upgraded (101) tunnel may carry no byte in either direction, ms. */
  upgradeIdleTimeoutMs?: number;
  /** Largest body kept whole to serve byte ranges out of order, bytes. */
  maxRangeBufferBytes?: number;
  /**
   * Compress responses by the client's Accept-Encoding (zstd, br, gzip): `true` for the
   * defaults of `COMPRESSION_DEFAULTS`, or options. Default: off.
   */
  compression?: boolean | CompressionOptions;
  /**
   * The HTTP cache the cache phases use (`requestCacheFilter` turns it on per request with
   * `session.cache.isEnabled = true`). Default: none.
   */
  cache?: HttpCache;
  /** Serve HTTPS on `listen()`: options for `tls.createServer` (`TlsServerSettings.serverOptions()`). */
  tls?: TlsOptions;
  /**
   * HTTP/2 downstream: ALPN `h2` on TLS (on unless `false`), h2c with prior knowledge on plain
   * listeners with `h2c: true`, and the HTTP/2 settings (max concurrent streams, window, ...).
   */
  http2?: false | ProxyHttp2Options;
  /** Limits and timeouts of the downstream HTTP/1.1 connections. */
  server?: HttpServerOptions;
}

/** Defaults of {@link HttpProxyOptions}. */
export const PROXY_DEFAULTS = {
  maxRetries: 3,
  retryBufferBytes: 64 * 1024,
  upgradeIdleTimeoutMs: 300_000,
  maxRangeBufferBytes: 16 * 1024 * 1024,
  upstreamReadBufferBytes: 80 * 1024,
  upstreamPoolSize: 1024,
} as const;

/** @internal */
export interface ResolvedProxyOptions {
  maxRetries: number;
  retryBufferBytes: number;
  upgradeIdleTimeoutMs: number;
  maxRangeBufferBytes: number;
  upstreamReadBufferBytes: number;
  upstreamPoolSize: number;
}

/** @internal */
export function resolveProxyOptions(options: HttpProxyOptions): ResolvedProxyOptions {
  const resolved = {
    maxRetries: options.maxRetries ?? PROXY_DEFAULTS.maxRetries,
    retryBufferBytes: options.retryBufferBytes ?? PROXY_DEFAULTS.retryBufferBytes,
    upgradeIdleTimeoutMs: options.upgradeIdleTimeoutMs ?? PROXY_DEFAULTS.upgradeIdleTimeoutMs,
    maxRangeBufferBytes: options.maxRangeBufferBytes ?? PROXY_DEFAULTS.maxRangeBufferBytes,
    upstreamReadBufferBytes:
      options.upstreamReadBufferBytes ?? PROXY_DEFAULTS.upstreamReadBufferBytes,
    upstreamPoolSize: options.upstreamPoolSize ?? PROXY_DEFAULTS.upstreamPoolSize,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  return resolved;
}
