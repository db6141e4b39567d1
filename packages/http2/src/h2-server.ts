import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { TimerWheel } from '@pingora-ts/timeout';
import { H2Connection, type H2Handler } from './h2-connection.js';
import {
  type H2ServerOptions,
  type ResolvedServerOptions,
  resolveServerOptions,
} from './options.js';

/** What {@link H2Server} is made from: the handler and the options. */
export interface H2ServerInit extends H2ServerOptions {
  /** Runs once per stream. */
  handler: H2Handler;
  /** Monotonic milliseconds for the rapid-reset window. Default `performance.now`. */
  clock?: () => number;
}

/**
 * Downstream HTTP/2: hand it accepted sockets ({@link H2Server.serve}: a TLS socket whose ALPN
 * chose `h2`, or a TCP socket that starts with the h2c preface) or let it listen for h2c with
 * prior knowledge ({@link H2Server.listen}). Every stream runs `handler` with an
 * {@link H2Session}. `close()` is graceful: GOAWAY, then in-flight streams finish.
 *
 * @example
 * ```ts
 * const server = new H2Server({ handler: (s) => s.respond(200, `hello ${s.request.path}`) });
 * const { port } = await server.listen(0, '127.0.0.1');
 * ```
 */
export class H2Server {
  private readonly handler: H2Handler;
  private readonly options: ResolvedServerOptions;
  private readonly wheel = new TimerWheel({ tickMs: 10, unref: true });
  private readonly clock: () => number;
  private readonly live = new Set<H2Connection>();
  private listener: net.Server | undefined;
  private isClosing = false;

  constructor(init: H2ServerInit) {
    this.handler = init.handler;
    this.options = resolveServerOptions(init);
    this.clock = init.clock ?? (() => performance.now());
  }

  /** Serves an accepted connection over HTTP/2. */
  serve(socket: net.Socket): H2Connection {
    const connection = new H2Connection(socket, {
      handler: this.handler,
      options: this.options,
      wheel: this.wheel,
      clock: this.clock,
    });
    this.live.add(connection);
    void connection.closed.then(() => this.live.delete(connection));
    if (this.isClosing) void connection.closeGracefully();
    return connection;
  }

  /** Listens for h2c with prior knowledge (RFC 9113 3.3) on `host:port`. */
  async listen(port = 0, host = '127.0.0.1'): Promise<net.AddressInfo> {
    const listener = net.createServer({ noDelay: true }, (socket) => this.serve(socket));
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    return listener.address() as net.AddressInfo;
  }

  /** Open connections. */
  get connections(): number {
    return this.live.size;
  }

  /**
   * Stops listening, sends GOAWAY on every connection and waits for in-flight streams to
   * finish (each connection is cut after `gracefulTimeoutMs`). Idempotent.
   */
  async close(): Promise<void> {
    this.isClosing = true;
    const listener = this.listener;
    this.listener = undefined;
    const stopped =
      listener === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => listener.close(() => resolve()));
    await Promise.all([...this.live].map((c) => c.closeGracefully()));
    await stopped;
    this.wheel.close();
  }
}

/**
 * Serves one accepted socket over HTTP/2 with `handler`, without a server object to keep:
 * for a listener of your own that routes connections by ALPN or by the h2c preface.
 */
export function serveH2(
  socket: net.Socket,
  handler: H2Handler,
  options: H2ServerOptions = {},
): H2Connection {
  const server = new H2Server({ ...options, handler });
  const connection = server.serve(socket);
  void connection.closed.then(() => server.close());
  return connection;
}
