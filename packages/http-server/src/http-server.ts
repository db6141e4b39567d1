import { once } from 'node:events';
import net from 'node:net';
import type tls from 'node:tls';
import { TimerWheel } from '@pingora-ts/timeout';
import { DownstreamConnection, type Handler } from './downstream-connection.js';
import { type HttpServerOptions, type ResolvedOptions, resolveOptions } from './options.js';

/** Options of {@link HttpServer}: the handler, the limits, and optional node:tls options. */
export interface HttpServerInit extends HttpServerOptions {
  handler: Handler;
  /** Serve HTTPS: options for `tls.createServer` (e.g. `TlsServerSettings.serverOptions()`). */
  tls?: tls.TlsOptions;
}

/**
 * A listener plus the request loop of `@pingora-ts/http-server`, for library users and tests;
 * `serve(socket)` runs the same loop on a socket accepted elsewhere (a `@pingora-ts/server`
 * application, say). `close()` is graceful: it stops accepting, closes idle connections and
 * lets the exchanges in progress finish.
 *
 * @example
 * ```ts
 * const server = new HttpServer({ handler: (s) => s.respond(200, 'hello') });
 * const { port } = await server.listen(8080, '127.0.0.1');
 * ```
 */
export class HttpServer {
  private readonly handler: Handler;
  private readonly options: ResolvedOptions;
  private readonly wheel = new TimerWheel({ tickMs: 10, unref: true });
  private readonly listener: net.Server;
  private readonly live = new Set<DownstreamConnection>();

  constructor(init: HttpServerInit) {
    this.handler = init.handler;
    this.options = resolveOptions(init);
    const onSocket = (socket: net.Socket) => {
      this.serve(socket);
    };
    // node:tls (about 1.8 MB of resident memory) is loaded only for a TLS listener.
    this.listener = init.tls
      ? process.getBuiltinModule('node:tls').createServer(init.tls, onSocket)
      : net.createServer(onSocket);
    if (init.tls) this.listener.on('tlsClientError', () => {});
  }

  /** Listens; resolves with the bound address. */
  async listen(port = 0, host = '127.0.0.1'): Promise<net.AddressInfo> {
    this.listener.listen(port, host);
    await once(this.listener, 'listening');
    return this.listener.address() as net.AddressInfo;
  }

  /** Runs the request loop on an accepted socket. */
  serve(socket: net.Socket): DownstreamConnection {
    socket.on('error', () => {}); // a client's reset is that client's business
    const connection = new DownstreamConnection(socket, this.handler, this.options, this.wheel);
    this.live.add(connection);
    socket.once('close', () => this.live.delete(connection));
    return connection;
  }

  /** Open connections. */
  get connections(): number {
    return this.live.size;
  }

  /** Stops accepting, closes idle connections, waits for the rest to finish. Idempotent. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const c of this.live) c.closeGracefully();
    // Wait for 'close' only: a socket's 'error' (a client gone mid-response, EPIPE) is that
    // client's business and must not reject close(), as events.once would.
    await Promise.all([...this.live].map((c) => closedSocket(c.socket)));
    await closed.catch(() => {});
    this.wheel.close();
  }
}

/** Settles when `socket` has closed, whatever error came before. */
function closedSocket(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise<void>((resolve) => socket.once('close', () => resolve()));
}
