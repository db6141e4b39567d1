import { renameSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import type { ListenerInfo } from './application.js';
import type { ListenerConfig } from './config.js';
import { formatHostPort, parseHostPort } from './listener-address.js';
import { createTlsServer } from './tls-listener.js';

/** A stable name of a listener's address, the same in every process: `tcp:host:port` or `unix:/path`. */
export function listenerKey(config: ListenerConfig): string {
  return config.path !== undefined ? `unix:${config.path}` : `tcp:${config.address}`;
}

/** True when every worker can bind the listener itself (TCP with SO_REUSEPORT). */
export function isPerWorker(config: ListenerConfig, reusePort: boolean): boolean {
  return reusePort && config.address !== undefined;
}

/** How to bind a listener. */
export interface BindOptions {
  /** Bind with SO_REUSEPORT, so that other processes can bind the same address. */
  readonly reusePort: boolean;
  /** Accepted sockets are not read from, so they can be passed to another process. */
  readonly pauseOnConnect?: boolean;
  /** Where errors of the listening socket after it is bound go (accept failing with EMFILE). */
  readonly log?: (line: string) => void;
}

/**
 * An open listener: the socket server, and `accept`, which takes over a connection whether the
 * server accepted it or another process passed it on (TLS listeners run the handshake first).
 */
export class BoundListener {
  info: ListenerInfo;
  /** The raw TCP or TLS server; not listening when connections come from another process. */
  readonly server: NetServer;
  private unixInode: number | undefined;

  constructor(
    readonly config: ListenerConfig,
    readonly key: string,
    service: string,
    onSocket: (socket: Socket, listener: BoundListener) => void,
  ) {
    this.info = {
      service,
      address: config.path !== undefined ? `unix:${config.path}` : (config.address as string),
      isTls: config.tls !== undefined,
    };
    this.server =
      config.tls !== undefined
        ? createTlsServer(config.tls, (s) => onSocket(s, this))
        : createServer((s) => onSocket(s, this));
  }

  /** Hands a connection accepted elsewhere (by the master) to this listener. */
  accept(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  /**
   * Binds and listens. A Unix socket is bound under a temporary name and renamed over its path,
   * so that a new generation takes the path over atomically: clients connecting after the
   * rename reach the new listener, those queued before it are accepted by the old one.
   */
  async listen(options: BindOptions): Promise<void> {
    const server = this.server;
    // Without a listener, an accept error (EMFILE when out of descriptors) would be thrown
    // and take the process down; libuv goes on accepting once descriptors are free again.
    server.on('error', (error) => options.log?.(`listener ${this.info.address}: ${String(error)}`));
    if (options.pauseOnConnect) {
      // net.Server reads this private field; there is no setter after construction.
      (server as unknown as { pauseOnConnect: boolean }).pauseOnConnect = true;
    }
    if (this.config.path !== undefined) {
      const path = this.config.path;
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      await listenOn(server, { path: temporary }, this.info.address);
      try {
        renameSync(temporary, path);
        this.unixInode = statSync(path).ino;
      } catch (cause) {
        server.close();
        throw PingoraError.because('BindError', `taking over unix socket ${path}`, cause);
      }
      return;
    }
    const parsed = parseHostPort(this.config.address as string);
    if (typeof parsed === 'string') throw PingoraError.explain('BindError', parsed);
    await listenOn(
      server,
      { host: parsed.host, port: parsed.port, reusePort: options.reusePort, exclusive: true },
      this.info.address,
    );
    const bound = server.address();
    if (bound !== null && typeof bound === 'object') {
      this.info = { ...this.info, address: formatHostPort(bound.address, bound.port) };
    }
  }

  /**
   * Stops accepting. A Unix socket path is removed only while it is still ours (a new
   * generation may have renamed its own socket over it).
   */
  close(removeUnixPath: boolean): void {
    if (removeUnixPath && this.config.path !== undefined && this.unixInode !== undefined) {
      try {
        if (statSync(this.config.path).ino === this.unixInode) unlinkSync(this.config.path);
      } catch {
        // Already gone.
      }
    }
    // server.close() calls back once every connection is gone; we only stop the listener.
    if (this.server.listening) this.server.close();
  }
}

function listenOn(
  server: NetServer,
  options:
    | { path: string }
    | { host: string; port: number; reusePort: boolean; exclusive: boolean },
  address: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (cause: Error): void => {
      reject(PingoraError.because('BindError', `listening on ${address}`, cause));
    };
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
