import { isIP } from 'node:net';
import tls from 'node:tls';
import { fromSystemError, kindOfSystemCode, PingoraError } from '@pingora-ts/error';
import type { TlsSessionCache } from './session-cache.js';

/** Which application protocols to offer upstream. */
export type AlpnPreference = 'h1' | 'h2' | 'h2h1';

/** An upstream TLS peer; defaults in {@link TLS_CONNECT_DEFAULTS}. */
export interface TlsPeer {
  host: string;
  port: number;
  /** Name sent as SNI. Default: `host` unless it is an IP address (RFC 6066 3: no IPs in SNI). */
  sni?: string;
  /** Verify the certificate chain and name. Default true. */
  verify?: boolean;
  /** Name the certificate must carry, when it differs from the SNI / host. */
  expectedName?: string;
  /** Trusted CAs instead of the system's. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate and key (mTLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** ALPN offer. Default `h1`. */
  alpn?: AlpnPreference;
  /** Limit for TCP connect plus handshake, ms. */
  timeoutMs?: number;
}

/** Defaults of {@link TlsPeer}. */
export const TLS_CONNECT_DEFAULTS = { verify: true, alpn: 'h1', timeoutMs: 10_000 } as const;

/** An established upstream TLS connection. */
export interface TlsConnection {
  socket: tls.TLSSocket;
  /** Negotiated protocol (`h2`, `http/1.1`), or undefined when the server chose none. */
  alpn: string | undefined;
  /** True when the handshake resumed a cached session. */
  resumed: boolean;
}

const ALPN: Record<AlpnPreference, string[]> = {
  h1: ['http/1.1'],
  h2: ['h2'],
  h2h1: ['h2', 'http/1.1'],
};

/** The session-cache key of a peer: everything that must match for a session to be reused. */
export function tlsPeerKey(peer: TlsPeer): string {
  return [
    peer.host,
    peer.port,
    peer.sni ?? '',
    peer.expectedName ?? '',
    peer.verify ?? true,
    peer.alpn ?? TLS_CONNECT_DEFAULTS.alpn,
  ].join('|');
}

/**
 * Connects to `peer` over TLS (node:tls, OpenSSL), verifying its certificate and name by
 * default, offering ALPN, resuming a session from `sessions` when one is cached and storing
 * the new one. Failures are `PingoraError`s with source `upstream`: `ConnectTimedout` /
 * `TLSHandshakeTimedout`, `ConnectRefused` and other connect kinds, `InvalidCert` for
 * verification failures, `TLSHandshakeFailure` for the rest of the handshake.
 *
 * @example
 * ```ts
 * const { socket, alpn, resumed } = await connectTls({ host: 'origin.example', port: 443, alpn: 'h2h1' }, sessions);
 * ```
 */
export function connectTls(peer: TlsPeer, sessions?: TlsSessionCache): Promise<TlsConnection> {
  const key = tlsPeerKey(peer);
  const verify = peer.verify ?? TLS_CONNECT_DEFAULTS.verify;
  const servername = peer.sni ?? (isIP(peer.host) === 0 ? peer.host : undefined);
  const expected = peer.expectedName;
  const session = sessions?.get(key);
  const timeoutMs = peer.timeoutMs ?? TLS_CONNECT_DEFAULTS.timeoutMs;
  const where = `TLS to ${peer.host}:${peer.port}`;

  return new Promise<TlsConnection>((resolve, reject) => {
    let tcpConnected = false;
    let settled = false;
    const socket = tls.connect({
      host: peer.host,
      port: peer.port,
      ...(servername === undefined ? {} : { servername }),
      rejectUnauthorized: verify,
      ALPNProtocols: ALPN[peer.alpn ?? TLS_CONNECT_DEFAULTS.alpn],
      ...(peer.ca === undefined ? {} : { ca: peer.ca }),
      ...(peer.cert === undefined ? {} : { cert: peer.cert }),
      ...(peer.key === undefined ? {} : { key: peer.key }),
      ...(session === undefined ? {} : { session }),
      ...(expected === undefined
        ? {}
        : {
            checkServerIdentity: (_host: string, cert: tls.PeerCertificate) =>
              tls.checkServerIdentity(expected, cert),
          }),
    });
    const fail = (error: PingoraError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (sessions !== undefined && session !== undefined) sessions.delete(key);
      reject(error.intoUpstream());
    };
    const timer = setTimeout(() => {
      fail(
        PingoraError.explain(
          tcpConnected ? 'TLSHandshakeTimedout' : 'ConnectTimedout',
          `${where}: no ${tcpConnected ? 'handshake' : 'connection'} within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      tcpConnected = true;
    });
    socket.on('session', (data: Buffer) => sessions?.set(key, data));
    socket.once('error', (error: Error & { code?: string }) => {
      const code = error.code ?? '';
      const kind = kindOfSystemCode(code);
      if (!tcpConnected) {
        fail(fromSystemError(error, 'upstream', 'ConnectError', `connecting ${where}`));
      } else if (kind === 'InvalidCert' || code.startsWith('ERR_TLS_CERT')) {
        fail(PingoraError.because('InvalidCert', `verifying the certificate of ${where}`, error));
      } else {
        fail(PingoraError.because(kind ?? 'TLSHandshakeFailure', `handshake of ${where}`, error));
      }
    });
    socket.once('secureConnect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const resumed = socket.isSessionReused();
      if (sessions) {
        if (resumed) sessions.resumed++;
        else sessions.full++;
      }
      socket.removeAllListeners('error');
      resolve({ socket, alpn: socket.alpnProtocol || undefined, resumed });
    });
  });
}
