import { AsyncLocalStorage } from 'node:async_hooks';
import type { Socket } from 'node:net';
import type { Application, ConnectionContext, ListenerInfo } from './application.js';
import { DEFAULTS, type ListenerConfig } from './config.js';
import {
  ConnectionTracker,
  type DrainResult,
  type TrackedConnection,
} from './connection-tracker.js';
import { BoundListener, listenerKey } from './listener.js';

/** A service: a name, its listeners and the application that takes their connections. */
export interface ServiceDefinition {
  /** A name for logs. */
  readonly name: string;
  /** Where it accepts connections (TCP `address`, IPv6 `[::1]:port`, Unix `path`, `tls`). */
  readonly listeners: readonly ListenerConfig[];
  /** Takes accepted connections. */
  readonly app: Application;
}

/** Options of {@link Server}. */
export interface ServerOptions {
  /** Bind TCP listeners with SO_REUSEPORT. Default `false` (one process). */
  readonly reusePort?: boolean;
  /** An idle connection is closed at drain once idle this long. Default `DEFAULTS.drainIdleMs`. */
  readonly drainIdleMs?: number;
  /** Clock in milliseconds, for idle times. Default `Date.now`. */
  readonly now?: () => number;
  /** Where the server says what went wrong. Default: a line on stderr. */
  readonly log?: (line: string) => void;
}

/** Options of {@link Server.shutdown}. */
export interface ShutdownOptions {
  /** How long in-flight exchanges get to finish. Default `DEFAULTS.gracePeriodSeconds`. */
  readonly graceMs?: number;
  /** How long the applications' `shutdown()` hooks get. Default `DEFAULTS.gracefulShutdownTimeoutSeconds`. */
  readonly hookTimeoutMs?: number;
}

/**
 * The services of one process: binds their listeners, hands accepted connections to their
 * applications, keeps track of the connections, and shuts down gracefully. A worker process
 * of the CLI runs one `Server`; a program can also run one on its own.
 *
 * @example
 * ```ts
 * const server = new Server().addService({ name: 'echo', listeners: [{ address: '127.0.0.1:0' }], app });
 * await server.start();
 * // ... later
 * await server.shutdown({ graceMs: 5_000 });
 * ```
 */
export class Server {
  private readonly services: ServiceDefinition[] = [];
  private readonly bound: BoundListener[] = [];
  private readonly tracker: ConnectionTracker;
  private readonly contexts = new AsyncLocalStorage<TrackedConnection>();
  private readonly log: (line: string) => void;
  private readonly reusePort: boolean;
  private readonly drainIdleMs: number;
  private shutdownPromise: Promise<DrainResult> | undefined;

  constructor(options: ServerOptions = {}) {
    this.reusePort = options.reusePort ?? false;
    this.drainIdleMs = options.drainIdleMs ?? DEFAULTS.drainIdleMs;
    this.tracker = new ConnectionTracker(options.now === undefined ? {} : { now: options.now });
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Adds a service; call before {@link Server.start}. Returns `this`. */
  addService(service: ServiceDefinition): this {
    this.services.push(service);
    return this;
  }

  /**
   * Opens the listeners. Those whose key is in `passedIn` are not bound here: another process
   * (the master) accepts them and passes the sockets to {@link Server.accept}.
   *
   * @throws PingoraError `BindError` when a listener cannot be bound (the others are closed).
   */
  async start(passedIn: ReadonlySet<string> = new Set()): Promise<void> {
    for (const service of this.services) {
      for (const config of service.listeners) {
        const key = listenerKey(config);
        const listener = new BoundListener(config, key, service.name, (socket, l) =>
          this.take(socket, l.info, service.app),
        );
        this.bound.push(listener);
        if (passedIn.has(key)) continue;
        try {
          await listener.listen({ reusePort: this.reusePort, log: this.log });
        } catch (error) {
          this.stopAccepting();
          throw error;
        }
      }
    }
  }

  /** What the listeners are bound to (ports chosen by the system filled in). */
  listeners(): ListenerInfo[] {
    return this.bound.map((l) => l.info);
  }

  /** Number of open connections. */
  get connections(): number {
    return this.tracker.size;
  }

  /** Takes a connection that another process accepted on the listener named `key`. */
  accept(key: string, socket: Socket): boolean {
    const listener = this.bound.find((l) => l.key === key);
    if (listener === undefined || this.shutdownPromise !== undefined) {
      socket.destroy();
      return false;
    }
    listener.accept(socket);
    return true;
  }

  /**
   * The connection whose handling is running now (in its callbacks too), if any: lets an
   * `uncaughtException` handler close just the connection that failed.
   */
  currentConnection(): (ConnectionContext & { readonly socket: Socket }) | undefined {
    return this.contexts.getStore();
  }

  /** Closes the listeners; open connections go on. Idempotent. */
  stopAccepting(): void {
    for (const l of this.bound) l.close(true);
  }

  /**
   * Graceful shutdown: stop accepting, tell every connection, close idle ones, wait for busy
   * ones up to `graceMs`, destroy what is left, then run the applications' `shutdown` hooks.
   * Idempotent: later calls return the first call's result.
   */
  shutdown(options: ShutdownOptions = {}): Promise<DrainResult> {
    this.shutdownPromise ??= this.runShutdown(
      options.graceMs ?? DEFAULTS.gracePeriodSeconds * 1000,
      options.hookTimeoutMs ?? DEFAULTS.gracefulShutdownTimeoutSeconds * 1000,
    );
    return this.shutdownPromise;
  }

  private async runShutdown(graceMs: number, hookTimeoutMs: number): Promise<DrainResult> {
    this.stopAccepting();
    const result = await this.tracker.drain(graceMs, this.drainIdleMs);
    for (const service of this.services) {
      const hook = service.app.shutdown;
      if (hook === undefined) continue;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve(hook.call(service.app, result.destroyed === 0)),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, hookTimeoutMs);
          }),
        ]);
      } catch (error) {
        this.log(`service ${service.name}: shutdown hook failed: ${String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    return result;
  }

  private take(socket: Socket, info: ListenerInfo, app: Application): void {
    const conn = this.tracker.add(socket, info);
    // Without a listener, a socket 'error' (ECONNRESET from a client) would be thrown as an
    // uncaught exception; the application adds its own listeners for what it cares about.
    socket.on('error', () => {});
    this.contexts.run(conn, () => {
      try {
        app.handleConnection(socket, conn);
      } catch (error) {
        this.log(`${info.service} ${info.address}: connection handler threw: ${String(error)}`);
        socket.destroy();
      }
    });
  }
}
