import type { ParseOptions } from '@pingora-ts/http-parser';

/** Options of a downstream connection; every default is in {@link SERVER_DEFAULTS}. */
export interface HttpServerOptions {
  /** Time to receive a whole request head once its first byte came (slowloris guard), ms. */
  headerTimeoutMs?: number;
  /** Time an idle keep-alive connection waits for the next request's first byte, ms. */
  keepAliveTimeoutMs?: number;
  /** Requests served on one connection before it is closed (0: no limit). */
  maxRequestsPerConnection?: number;
  /** Largest request body accepted, bytes (413 beyond). */
  maxBodyBytes?: number;
  /** Longest wait for the client to take more response bytes, ms. */
  writeTimeoutMs?: number;
  /** Limits of the head parser (head size, header count, request-line length). */
  parse?: ParseOptions;
}

/** Defaults of {@link HttpServerOptions}. */
export const SERVER_DEFAULTS = {
  headerTimeoutMs: 60_000,
  keepAliveTimeoutMs: 60_000,
  maxRequestsPerConnection: 0,
  maxBodyBytes: 64 * 1024 * 1024,
  writeTimeoutMs: 60_000,
} as const;

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<HttpServerOptions, 'parse'>> & { parse: ParseOptions };

export function resolveOptions(options: HttpServerOptions = {}): ResolvedOptions {
  return {
    headerTimeoutMs: options.headerTimeoutMs ?? SERVER_DEFAULTS.headerTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? SERVER_DEFAULTS.keepAliveTimeoutMs,
    maxRequestsPerConnection:
      options.maxRequestsPerConnection ?? SERVER_DEFAULTS.maxRequestsPerConnection,
    maxBodyBytes: options.maxBodyBytes ?? SERVER_DEFAULTS.maxBodyBytes,
    writeTimeoutMs: options.writeTimeoutMs ?? SERVER_DEFAULTS.writeTimeoutMs,
    parse: { maxBodySize: options.maxBodyBytes ?? SERVER_DEFAULTS.maxBodyBytes, ...options.parse },
  };
}
