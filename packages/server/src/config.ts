import { availableParallelism } from 'node:os';

/**
 * Where a listener accepts connections. Exactly one of `address` (TCP, `host:port`, IPv6 as
 * `[::1]:port`) or `path` (a Unix domain socket) is set; `tls` turns a TCP listener into a
 * TLS one.
 */
export interface ListenerConfig {
  /** `host:port` for TCP; IPv6 hosts in brackets (`[::1]:8080`). */
  readonly address?: string;
  /** Path of a Unix domain socket. */
  readonly path?: string;
  /** TLS settings (files are read when the listener opens). */
  readonly tls?: TlsListenerConfig;
}

/** TLS settings of a listener: PEM files, ALPN protocols. */
export interface TlsListenerConfig {
  /** PEM certificate chain file. */
  readonly certFile: string;
  /** PEM private key file. */
  readonly keyFile: string;
  /** ALPN protocols offered, in preference order. Default none. */
  readonly alpn?: readonly string[];
}

/** A service: its listeners and the module of its application. */
export interface ServiceConfig {
  /** A name for logs. */
  readonly name: string;
  /**
   * Module exporting the application factory (`default` or `createApp`), resolved against the
   * configuration file's directory. See {@link AppFactory}.
   */
  readonly app: string;
  /** Passed as-is to the factory. */
  readonly appOptions?: Readonly<Record<string, unknown>>;
  /** At least one listener. */
  readonly listeners: readonly ListenerConfig[];
}

/** The whole server configuration, after validation and defaults. */
export interface ServerConfig {
  /** Absolute path of the file it was read from, if any. */
  readonly file: string | undefined;
  /** Number of worker processes. */
  readonly workers: number;
  /** Pid file of the master process. */
  readonly pidFile: string;
  /** Detach from the terminal (same as `-d`). */
  readonly daemon: boolean;
  /** Log file of a daemon (its stdout and stderr); `undefined`: inherit stderr. */
  readonly errorLog: string | undefined;
  /** Unix socket where a running master takes `--upgrade` requests. */
  readonly upgradeSock: string;
  /** Seconds that in-flight exchanges get to finish after shutdown or upgrade begins. */
  readonly gracePeriodSeconds: number;
  /** Seconds that applications' own `shutdown()` hooks get after the grace period. */
  readonly gracefulShutdownTimeoutSeconds: number;
  /** Grace period of SIGINT (Ctrl-C in a terminal): the same shutdown, faster. */
  readonly fastShutdownSeconds: number;
  /** Bind TCP listeners in every worker with SO_REUSEPORT (Linux); else the master shares them. */
  readonly reusePort: boolean;
  /** First delay before restarting a crashed worker. */
  readonly restartBackoffMs: number;
  /** Longest delay before restarting a crashed worker (the delay doubles per quick crash). */
  readonly restartBackoffMaxMs: number;
  /** An idle keep-alive connection is closed at drain once idle for this long. */
  readonly drainIdleMs: number;
  /** The services. */
  readonly services: readonly ServiceConfig[];
}

/**
 * Defaults of every {@link ServerConfig} field. The grace period and shutdown timeout are
 * Pingora's (`grace_period_seconds` 60, `graceful_shutdown_timeout_seconds` 5), which together
 * stay under systemd's default `TimeoutStopSec` of 90 s.
 */
export const DEFAULTS = {
  workers: availableParallelism(),
  pidFile: '/tmp/pingora-ts.pid',
  daemon: false,
  errorLog: undefined,
  upgradeSock: '/tmp/pingora-ts-upgrade.sock',
  gracePeriodSeconds: 60,
  gracefulShutdownTimeoutSeconds: 5,
  fastShutdownSeconds: 1,
  // Node's `reusePort` listen option exists on Linux and the BSDs only (Node >= 22.12).
  reusePort: process.platform === 'linux' || process.platform === 'freebsd',
  restartBackoffMs: 100,
  restartBackoffMaxMs: 10_000,
  // Long enough that a keep-alive client about to send its next request (a loopback round
  // trip) is not cut off; short enough not to hold a shutdown back.
  drainIdleMs: 100,
} as const satisfies Omit<ServerConfig, 'file' | 'services'>;
