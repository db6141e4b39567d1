/** Options of {@link H2Connector} about HTTP/2 connections; defaults in {@link H2_CLIENT_DEFAULTS}. */
export interface H2ClientOptions {
  /** A PING goes out on each connection this often, ms (keepalive, RFC 9113 6.7). */
  pingIntervalMs?: number;
  /** A PING unanswered for this long closes the connection, ms. */
  pingTimeoutMs?: number;
  /**
   * Most streams we open on one connection at once, below the peer's
   * SETTINGS_MAX_CONCURRENT_STREAMS; past it another connection is opened.
   */
  maxStreamsPerConnection?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we announce: response bytes a stream may receive unread. */
  initialWindowSize?: number;
  /** Connection-level receive window (all streams together), bytes. */
  connectionWindowSize?: number;
}

/**
 * Defaults of {@link H2ClientOptions}. The PING cadence follows gRPC's keepalive guidance
 * (minutes apart would miss a dead NAT binding; seconds apart gets ENHANCE_YOUR_CALM from
 * strict servers). Our stream cap of 1 000 stays above the 100 to 256 that nginx, nghttp2 and
 * Envoy announce, so the peer's own SETTINGS_MAX_CONCURRENT_STREAMS is what usually binds.
 * Windows of 1 MiB per stream and 16 MiB per connection let one connection carry fast streams
 * without the protocol's 64 KiB default capping each at one window per round trip.
 */
export const H2_CLIENT_DEFAULTS = {
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  maxStreamsPerConnection: 1_000,
  initialWindowSize: 1 << 20,
  connectionWindowSize: 16 << 20,
} as const;

/** {@link H2ClientOptions} with every default filled in. */
export type ResolvedClientOptions = { -readonly [K in keyof typeof H2_CLIENT_DEFAULTS]: number };

/** Fills in defaults and rejects values that cannot work. */
export function resolveClientOptions(options: H2ClientOptions): ResolvedClientOptions {
  const resolved: ResolvedClientOptions = { ...H2_CLIENT_DEFAULTS };
  for (const key of Object.keys(H2_CLIENT_DEFAULTS) as (keyof ResolvedClientOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`H2ConnectorOptions.${key} must be a positive number, got ${value}`);
    }
    resolved[key] = value;
  }
  if (resolved.initialWindowSize > 2 ** 31 - 1 || resolved.connectionWindowSize > 2 ** 31 - 1) {
    throw new RangeError('H2 window sizes must be at most 2^31-1 (RFC 9113 6.9.1)');
  }
  return resolved;
}
