import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** The client connection preface (RFC 9113 3.4): what an h2c client with prior knowledge sends first. */
export const H2C_PREFACE: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** What a connection's first bytes said: `h2c`, `http1` (anything else), or `closed` before either. */
export type PrefaceVerdict = 'h2c' | 'http1' | 'closed';

/**
 * Reads just enough of a plain connection's first bytes to tell the HTTP/2 preface (RFC 9113
 * 3.3, prior knowledge) from an HTTP/1.x request, then puts every byte read back
 * (`socket.unshift`), so whichever server gets the socket next sees the stream untouched. An
 * HTTP/1 request differs from the preface by its first byte or so, so no HTTP/1 client waits.
 * A connection that sends nothing within `timeoutMs` is destroyed (`closed`).
 */
export function sniffH2cPreface(socket: Socket, timeoutMs = 10_000): Promise<PrefaceVerdict> {
  return new Promise<PrefaceVerdict>((resolve) => {
    let seen: Buffer = Buffer.alloc(0);
    const finish = (verdict: PrefaceVerdict) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onGone);
      socket.off('close', onGone);
      socket.off('error', onGone);
      if (seen.length > 0 && verdict !== 'closed') socket.unshift(seen);
      resolve(verdict);
    };
    const onGone = () => finish('closed');
    const onReadable = () => {
      for (;;) {
        const chunk = socket.read() as Buffer | null;
        if (chunk === null) return;
        seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
        const n = Math.min(seen.length, H2C_PREFACE.length);
        if (seen.compare(H2C_PREFACE, 0, n, 0, n) !== 0) return finish('http1');
        if (n === H2C_PREFACE.length) return finish('h2c');
      }
    };
    const timer = setTimeout(() => {
      finish('closed');
      socket.destroy();
    }, timeoutMs);
    socket.on('readable', onReadable);
    socket.once('end', onGone);
    socket.once('close', onGone);
    socket.once('error', onGone);
  });
}

/** Anything that serves an accepted socket: `HttpServer` of `@pingora-ts/http-server`, {@link H2Server}. */
export interface SocketServer {
  serve(socket: Socket): unknown;
}

/**
 * Routes one accepted connection of a listener that speaks both HTTP/1.1 and HTTP/2: a TLS
 * socket by the protocol ALPN chose (RFC 7301; `h2` goes to `h2`, anything else to `h1`), a
 * plain socket by its first bytes ({@link sniffH2cPreface}). Resolves with what was chosen.
 *
 * @example
 * ```ts
 * const h1 = new HttpServer({ handler });
 * const h2 = new H2Server({ handler });
 * net.createServer((socket) => void acceptHttpConnection(socket, { h1, h2 })).listen(8080);
 * ```
 */
export async function acceptHttpConnection(
  socket: Socket,
  servers: { h1: SocketServer; h2: SocketServer },
  timeoutMs?: number,
): Promise<PrefaceVerdict | 'h2' | 'http/1.1'> {
  const alpn =
    (socket as Partial<TLSSocket>).encrypted === true
      ? (socket as TLSSocket).alpnProtocol
      : undefined;
  if ((socket as Partial<TLSSocket>).encrypted === true) {
    if (alpn === 'h2') {
      servers.h2.serve(socket);
      return 'h2';
    }
    servers.h1.serve(socket);
    return 'http/1.1';
  }
  const verdict = await sniffH2cPreface(socket, timeoutMs);
  if (verdict === 'h2c') servers.h2.serve(socket);
  else if (verdict === 'http1') servers.h1.serve(socket);
  return verdict;
}
