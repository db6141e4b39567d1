import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { fromSystemError, PingoraError } from '@pingora-ts/error';
import { deadline } from '@pingora-ts/timeout';
import { connectTls } from '@pingora-ts/tls';
import type { Backend } from '../backend.js';

/** TLS settings of a probe. */
export interface ProbeTlsOptions {
  /**
   * The name to send as SNI and to find in the certificate. Default: the backend's host (an IP
   * address is then checked against the certificate's IP entries, and no SNI is sent).
   */
  servername?: string;
  /** Trusted CA certificates (PEM); default Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the certificate chain and name. Default true. */
  rejectUnauthorized?: boolean;
}

/** What a probe does once connected: call `succeed` or `fail` exactly once, synchronously. */
export type ProbeExchange = (
  socket: Socket,
  succeed: () => void,
  fail: (error: PingoraError) => void,
) => void;

/**
 * Connects to `backend` (TCP with node:net, or TLS through @pingora-ts/tls's `connectTls` when
 * `tls` is given), runs `exchange` on the connected socket and settles with its verdict. The
 * whole probe has `timeoutMs`; the socket is destroyed and the deadline cancelled however it
 * ends, so a probe never leaves anything open.
 */
export function runProbe(
  backend: Backend,
  timeoutMs: number,
  tls: ProbeTlsOptions | undefined,
  exchange: ProbeExchange,
): Promise<void> {
  const what = `health check of ${backend.addr}`;
  return new Promise<void>((resolve, reject) => {
    let isSettled = false;
    let socket: Socket | undefined;
    const finish = (error: PingoraError | undefined): void => {
      if (isSettled) return;
      isSettled = true;
      timer.cancel();
      socket?.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    // A deadline on the shared timer wheel: cheaper than a Node timer per probe.
    const timer = deadline(timeoutMs, () => {
      const kind =
        socket === undefined
          ? tls === undefined
            ? 'ConnectTimedout'
            : 'TLSHandshakeTimedout'
          : 'ReadTimedout';
      finish(
        PingoraError.explain(kind, `${what}: no answer within ${timeoutMs} ms`, {
          source: 'upstream',
        }),
      );
    });
    const start = (connected: Socket): void => {
      if (isSettled) {
        connected.destroy(); // the deadline passed while connecting
        return;
      }
      socket = connected;
      connected.on('error', (error) =>
        finish(fromSystemError(error, 'upstream', 'ReadError', what)),
      );
      connected.on('close', () => {
        finish(
          PingoraError.explain('ConnectionClosed', `${what}: closed early`, { source: 'upstream' }),
        );
      });
      exchange(
        connected,
        () => finish(undefined),
        (error) => finish(error.moreContext(what)),
      );
    };
    if (tls === undefined) {
      const tcp = connectTcp({ host: backend.host, port: backend.port });
      tcp.once('error', (error) => {
        tcp.destroy();
        finish(fromSystemError(error, 'upstream', 'ConnectError', what));
      });
      tcp.once('connect', () => {
        tcp.removeAllListeners('error');
        start(tcp);
      });
      return;
    }
    const name = tls.servername ?? backend.host;
    connectTls({
      host: backend.host,
      port: backend.port,
      // RFC 6066 section 3: SNI carries host names only; an IP is checked but not sent.
      ...(isIP(name) === 0 ? { sni: name } : {}),
      expectedName: name,
      verify: tls.rejectUnauthorized ?? true,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      alpn: 'h1',
      timeoutMs,
    }).then(
      (connection) => start(connection.socket),
      (error: unknown) => finish(PingoraError.from(error, 'TLSHandshakeFailure', what)),
    );
  });
}
