import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { H2Server, sniffH2cPreface } from '@pingora-ts/http2';
import type { DownstreamSession } from '@pingora-ts/proxy';
import type { Application, ConnectionContext } from '@pingora-ts/server';

/**
 * The application of listeners with `h2: true`: TLS connections go by the protocol ALPN chose
 * (RFC 7301: `h2` to HTTP/2, else HTTP/1.1), plain ones by their first bytes (the RFC 9113
 * section 3.3 prior-knowledge preface means h2c). HTTP/2 streams run through the same
 * proxy phases as HTTP/1.1 exchanges; an HTTP/2 connection counts as busy while open, and
 * draining sends it GOAWAY so its streams finish and it closes. `http1`'s own shutdown runs
 * after the HTTP/2 server's, when it has one.
 */
export function h2Application(
  handle: (session: DownstreamSession) => Promise<void>,
  http1: Application,
): Application {
  const h2 = new H2Server({ handler: (session) => handle(session) });
  const serveH2 = (socket: Socket, connection: ConnectionContext) => {
    connection.setBusy(true);
    const c = h2.serve(socket);
    connection.onDrain(() => void c.closeGracefully());
    void c.closed.then(() => connection.setBusy(false));
  };
  return {
    handleConnection(socket, connection) {
      if ((socket as Partial<TLSSocket>).encrypted === true) {
        if ((socket as TLSSocket).alpnProtocol === 'h2') serveH2(socket, connection);
        else http1.handleConnection(socket, connection);
        return;
      }
      void sniffH2cPreface(socket).then((verdict) => {
        if (verdict === 'h2c') serveH2(socket, connection);
        else if (verdict === 'http1') http1.handleConnection(socket, connection);
      });
    },
    async shutdown(isGraceful) {
      await h2.close();
      await http1.shutdown?.(isGraceful);
    },
  };
}
