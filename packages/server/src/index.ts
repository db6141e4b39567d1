/**
 * Process lifecycle for Pingora-TS: a {@link Server} owns services (listeners on TCP
 * `host:port`, IPv6, Unix sockets and TLS, each with an {@link Application} that takes the
 * accepted connections), tracks connections so that a graceful shutdown closes idle keep-alive
 * connections and waits for busy ones, and isolates one connection's failure from the rest.
 * The `pingora-ts-server` CLI runs it as an operator expects under systemd: a master and N
 * worker processes sharing the listeners (SO_REUSEPORT, or the master passing connections),
 * crashed workers restarted with backoff, SIGTERM/SIGINT graceful shutdown, SIGHUP and
 * `--upgrade` zero-downtime restart, a YAML configuration validated with file, line and key,
 * daemon mode and a pid file.
 *
 * @example
 * ```ts
 * import { Server } from '@pingora-ts/server';
 *
 * const server = new Server().addService({
 *   name: 'hello',
 *   listeners: [{ address: '127.0.0.1:0' }],
 *   app: { handleConnection: (socket) => socket.end('hello\n') },
 * });
 * await server.start();
 * await server.shutdown({ graceMs: 1_000 });
 * ```
 *
 * @packageDocumentation
 */
export type { AppFactory, Application, ConnectionContext, ListenerInfo } from './application.js';
export { type CliArgs, parseCliArgs, USAGE } from './cli-args.js';
export {
  DEFAULTS,
  type ListenerConfig,
  type ServerConfig,
  type ServiceConfig,
  type TlsListenerConfig,
} from './config.js';
export {
  type ConfigIssue,
  checkConfig,
  configError,
  formatIssue,
  loadConfig,
} from './config-loader.js';
export { ConnectionTracker, type DrainResult, type TrackerOptions } from './connection-tracker.js';
export { isolateConnectionErrors } from './error-isolation.js';
export { formatHostPort, type HostPort, parseHostPort } from './listener-address.js';
export { RestartBackoff } from './restart-backoff.js';
export {
  Server,
  type ServerOptions,
  type ServiceDefinition,
  type ShutdownOptions,
} from './server.js';
export { Supervisor, type SupervisorOptions } from './supervisor.js';
