import { connect as connectTcp, type Socket } from 'node:net';
import { checkServerIdentity, connect as connectTls } from 'node:tls';
import { fromSystemError, PingoraError } from '@pingora-ts/error';
import { deadline } from '@pingora-ts/timeout';
import type { Backend } from '../backend.js';

/** TLS settings of a probe. */
export interface ProbeTlsOptions {
  /** SNI and the name the certificate must carry. Default: the backend's host. */
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
 * Connects to `backend` (TCP, or TLS when `tls` is given), runs `exchange` on the connected
 * socket and settles with its verdict. The whole probe has `timeoutMs`; the socket is destroyed
 * and the deadline cleared however it ends, so a probe never leaves anything open.
 */
export function runProbe(
  backend: Backend,
  timeoutMs: number,
  tls: ProbeTlsOptions | undefined,
  exchange: ProbeExchange,
): Promise<void> {
  const what = `health check of ${backend.addr}`;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let connected = false;
    const socket = tls === undefined ? openTcp(backend) : openTls(backend, tls);
    const finish = (error: PingoraError | undefined): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    // A deadline on the shared timer wheel: cheaper than a Node timer per probe.
    const timer = deadline(timeoutMs, () => {
      const kind = !connected
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
    socket.on('error', (error) => {
      const fallback = !connected && tls !== undefined ? 'TLSHandshakeFailure' : 'ReadError';
      finish(fromSystemError(error, 'upstream', fallback, what));
    });
    socket.on('close', () => {
      finish(
        PingoraError.explain('ConnectionClosed', `${what}: closed early`, { source: 'upstream' }),
      );
    });
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
      connected = true;
      exchange(
        socket,
        () => finish(undefined),
        (error) => finish(error.moreContext(what)),
      );
    });
  });
}

function openTcp(backend: Backend): Socket {
  return connectTcp({ host: backend.host, port: backend.port });
}

function openTls(backend: Backend, tls: ProbeTlsOptions): Socket {
  const name = tls.servername ?? backend.host;
  return connectTls({
    host: backend.host,
    port: backend.port,
    // RFC 6066 section 3: SNI carries host names only, never IP literals.
    ...(isIpLiteral(name) ? {} : { servername: name }),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    // Verify against the configured name, also when SNI had to be left out for an IP.
    checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
  });
}

function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}
