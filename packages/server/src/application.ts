import type { Socket } from 'node:net';

/** Which listener accepted a connection. */
export interface ListenerInfo {
  /** The service's name. */
  readonly service: string;
  /** `host:port` (IPv6 bracketed) or `unix:/path`. */
  readonly address: string;
  /** True when the socket is a `tls.TLSSocket` whose handshake has completed. */
  readonly isTls: boolean;
}

/**
 * What the server knows about one accepted connection, handed to the application with the
 * socket. Graceful shutdown closes connections that are idle and waits for busy ones, so an
 * application marks a connection busy while an exchange is in flight on it.
 */
export interface ConnectionContext {
  /** The listener that accepted it. */
  readonly listener: ListenerInfo;
  /** True between the start of a graceful shutdown (or upgrade) and the process's exit. */
  readonly isDraining: boolean;
  /**
   * Marks an exchange as in flight (`true`) or finished (`false`). A connection starts idle;
   * an idle one is closed at drain once it has been idle for `drainIdleMs`.
   */
  setBusy(isBusy: boolean): void;
  /**
   * Calls `callback` once when draining begins (at once if it already has), so that the
   * application can answer the exchange in flight with `Connection: close`.
   */
  onDrain(callback: () => void): void;
}

/** The part of a service that handles accepted connections. */
export interface Application {
  /**
   * Takes over `socket` (a `tls.TLSSocket` on TLS listeners). An exception thrown here, or later
   * in a callback of this connection, destroys this connection only.
   */
  handleConnection(socket: Socket, connection: ConnectionContext): void;
  /**
   * Called once when the process stops, after in-flight exchanges have finished (`isGraceful`
   * true) or the grace period ran out (`false`); it gets `graceful_shutdown_timeout_seconds`.
   */
  shutdown?(isGraceful: boolean): Promise<void> | void;
}

/**
 * What an application module exports (as `default` or `createApp`) for the CLI: called once
 * per worker with the service's `app_options`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * export default function createApp(options) {
 *   const http = createServer((req, res) => res.end(String(options.greeting)));
 *   return { handleConnection: (socket) => http.emit('connection', socket) };
 * }
 * ```
 */
export type AppFactory = (
  options: Readonly<Record<string, unknown>>,
  service: { readonly name: string },
) => Application | Promise<Application>;
