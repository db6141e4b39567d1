/** Options of {@link H2Server}; every default is in {@link H2_SERVER_DEFAULTS}. */
export interface H2ServerOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we announce (RFC 9113 6.5.2). */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we announce: bytes a client may send per stream before we read. */
  initialWindowSize?: number;
  /**
   * SETTINGS_MAX_HEADER_LIST_SIZE we announce and enforce (RFC 9113 6.5.2): a request whose
   * header list is larger is reset with ENHANCE_YOUR_CALM before any handler sees it.
   */
  maxHeaderListSize?: number;
  /** Most header fields in one request (nghttp2 counts pseudo-headers too). */
  maxHeaderListPairs?: number;
  /** nghttp2's memory budget per connection, MB (node:http2 `maxSessionMemory`). */
  maxSessionMemory?: number;
  /**
   * Rapid-reset guard (CVE-2023-44487): streams the client may reset within
   * {@link H2ServerOptions.resetWindowMs}; one more and the connection gets GOAWAY
   * ENHANCE_YOUR_CALM and is closed.
   */
  maxResetsPerWindow?: number;
  /** Length of the rapid-reset window, ms. */
  resetWindowMs?: number;
  /** Longest wait for a client to take response bytes (window or socket), ms. */
  writeTimeoutMs?: number;
  /** A connection with no open stream for this long is closed with GOAWAY, ms. */
  idleTimeoutMs?: number;
  /** After GOAWAY on close(), how long in-flight streams may run before the connection is cut, ms. */
  gracefulTimeoutMs?: number;
}

/**
 * Defaults of {@link H2ServerOptions}. 100 concurrent streams is the floor RFC 9113 6.5.2
 * recommends and what nginx announces; 65 535 is the protocol's initial window (RFC 9113
 * 6.9.2); 64 KiB of header list matches nginx's `large_client_header_buffers` order of size.
 * The reset cap is far above what browsers and gRPC clients cancel in normal use, and far
 * below what a CVE-2023-44487 flood sends (tens of thousands per second).
 */
export const H2_SERVER_DEFAULTS = {
  maxConcurrentStreams: 100,
  initialWindowSize: 65_535,
  maxHeaderListSize: 65_536,
  maxHeaderListPairs: 128,
  maxSessionMemory: 10,
  maxResetsPerWindow: 1_000,
  resetWindowMs: 10_000,
  writeTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  gracefulTimeoutMs: 30_000,
} as const;

/** {@link H2ServerOptions} with every default filled in. */
export type ResolvedServerOptions = { -readonly [K in keyof typeof H2_SERVER_DEFAULTS]: number };

/** Fills in defaults and rejects values that cannot work. */
export function resolveServerOptions(options: H2ServerOptions): ResolvedServerOptions {
  const resolved: ResolvedServerOptions = { ...H2_SERVER_DEFAULTS };
  for (const key of Object.keys(H2_SERVER_DEFAULTS) as (keyof ResolvedServerOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`H2ServerOptions.${key} must be a positive number, got ${value}`);
    }
    resolved[key] = value;
  }
  // RFC 9113 6.5.2: the window may not exceed 2^31-1.
  if (resolved.initialWindowSize > 2 ** 31 - 1) {
    throw new RangeError('H2ServerOptions.initialWindowSize must be at most 2^31-1');
  }
  return resolved;
}
