import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type tls from 'node:tls';
import { HttpServer, type HttpServerOptions } from '@pingora-ts/http-server';
import type { H2Server, H2ServerOptions } from '@pingora-ts/http2';
import { loadedHttp2, loadHttp2 } from './optional-modules.js';
import type { DownstreamSession } from './proxy-session.js';

/** HTTP/2 downstream settings of the proxy (`false` in the options turns HTTP/2 off). */
export interface ProxyHttp2Options extends H2ServerOptions {
  /** Accept h2c with prior knowledge on plain listeners (RFC 9113 section 3.3). Default false. */
  h2c?: boolean;
}

/** Something that can be closed after its exchange in flight (a connection of either protocol). */
export interface DrainableConnection {
  closeGracefully(): unknown;
}

/**
 * Hands each accepted connection to the right protocol: HTTP/2 when TLS ALPN chose `h2` (or a
 * plain connection opens with the h2c preface and h2c is on), HTTP/1.1 otherwise. Both run
 * the same handler, so a `ProxyHttp` sees one session model.
 */
export class DownstreamRouter {
  readonly h1: HttpServer;
  /** The HTTP/2 server's settings; `undefined` when HTTP/2 is off. */
  private readonly h2Settings: H2ServerOptions | undefined;
  private readonly handler: (session: DownstreamSession) => Promise<void>;
  /** The HTTP/2 server, loaded and made for the first connection that speaks HTTP/2. */
  private h2Server: H2Server | undefined;
  private readonly isH2c: boolean;
  private listener: net.Server | undefined;
  private isClosed = false;

  constructor(
    handler: (session: DownstreamSession) => Promise<void>,
    h1Options: HttpServerOptions | undefined,
    h2Options: ProxyHttp2Options | false | undefined,
  ) {
    this.handler = handler;
    this.h1 = new HttpServer({ ...h1Options, handler });
    if (h2Options === false) {
      this.h2Settings = undefined;
      this.isH2c = false;
    } else {
      const { h2c, ...settings } = h2Options ?? {};
      this.h2Settings = settings;
      this.isH2c = h2c === true;
    }
  }

  /**
   * The HTTP/2 server: made (and `@pingora-ts/http2` loaded) for the first connection that
   * speaks HTTP/2, so `undefined` before that, and always when HTTP/2 is off.
   */
  get h2(): H2Server | undefined {
    return this.h2Server;
  }

  /** ALPN protocols a TLS listener offers: `h2` first when HTTP/2 is on. */
  get alpnProtocols(): string[] {
    return this.h2Settings === undefined ? ['http/1.1'] : ['h2', 'http/1.1'];
  }

  /** Serves one accepted connection; resolves with its handle (undefined when it left first). */
  async serve(socket: Socket): Promise<DrainableConnection | undefined> {
    if (this.h2Settings === undefined) return this.h1.serve(socket);
    const isTls = (socket as Partial<tls.TLSSocket>).encrypted === true;
    // Only a connection that may speak HTTP/2 loads it: ALPN chose h2, or h2c may follow.
    if (isTls ? (socket as tls.TLSSocket).alpnProtocol !== 'h2' : !this.isH2c) {
      return this.h1.serve(socket);
    }
    const http2 = loadedHttp2() ?? (await loadHttp2());
    if (this.isClosed) {
      // Closed while HTTP/2 was loading for this connection's first look.
      socket.destroy();
      return undefined;
    }
    this.h2Server ??= new http2.H2Server({ ...this.h2Settings, handler: this.handler });
    const h2 = this.h2Server;
    let chosen: DrainableConnection | undefined;
    const pick = (server: { serve(s: Socket): DrainableConnection }) => ({
      serve: (s: Socket) => {
        chosen = server.serve(s);
      },
    });
    await http2.acceptHttpConnection(socket, { h1: pick(this.h1), h2: pick(h2) });
    return chosen;
  }

  /** Listens on `host:port` (TLS with ALPN when `tlsOptions` is given). */
  async listen(port: number, host: string, tlsOptions?: tls.TlsOptions): Promise<AddressInfo> {
    const onSocket = (socket: Socket) => {
      socket.on('error', () => {}); // a client's reset is that client's business
      void this.serve(socket);
    };
    const listener =
      tlsOptions === undefined
        ? net.createServer({ noDelay: true }, onSocket)
        : // node:tls (about 1.8 MB of resident memory) is loaded only for a TLS listener.
          process
            .getBuiltinModule('node:tls')
            .createServer({ ALPNProtocols: this.alpnProtocols, ...tlsOptions }, onSocket);
    if (tlsOptions !== undefined) listener.on('tlsClientError', () => {});
    this.listener = listener;
    listener.listen(port, host);
    await once(listener, 'listening');
    return listener.address() as AddressInfo;
  }

  /** Stops listening; closes idle connections and lets exchanges in flight finish. */
  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    const stopped =
      listener === undefined
        ? Promise.resolve()
        : new Promise<void>((r) => listener.close(() => r()));
    this.isClosed = true;
    await Promise.all([this.h1.close(), this.h2Server?.close()]);
    await stopped;
  }
}
