import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type tls from 'node:tls';
import { fromSystemError, kindOfSystemCode, PingoraError } from '@pingora-ts/error';
import { nodeTls } from './node-tls.js';
import type { TlsSessionCache } from './session-cache.js';

/**
 * Which application protocols to offer upstream (RFC 7301): `h1` offers `http/1.1`, `h2` only
 * `h2`, `h2h1` both with `h2` preferred.
 */
export type AlpnPreference = 'h1' | 'h2' | 'h2h1';

/** An upstream TLS peer; defaults in {@link TLS_CONNECT_DEFAULTS}. */
export interface TlsPeer {
  /** Host name or IP address to connect to. */
  host: string;
  /** TCP port. */
  port: number;
  /** Name sent as SNI. Default: `host` unless it is an IP address (RFC 6066 3: no IPs in SNI). */
  sni?: string;
  /** Verify the certificate chain and name. Default true. */
  verify?: boolean;
  /** Name the certificate must carry, when it differs from the SNI / host. */
  expectedName?: string;
  /** Trusted CAs (PEM) instead of Node's bundled root store. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate chain, PEM (mTLS). */
  cert?: string | Buffer;
  /** Private key of `cert`, PEM. */
  key?: string | Buffer;
  /** ALPN offer. Default `h1`. */
  alpn?: AlpnPreference;
  /** Limit for TCP connect plus handshake, ms. Default 10 000. */
  timeoutMs?: number;
}

/** Defaults of {@link TlsPeer}. */
export const TLS_CONNECT_DEFAULTS = { verify: true, alpn: 'h1', timeoutMs: 10_000 } as const;

/** An established upstream TLS connection. */
export interface TlsConnection {
  /** The connected socket; the caller owns it (and must listen for its errors). */
  socket: tls.TLSSocket;
  /**
   * Negotiated protocol (`h2`, `http/1.1`), or undefined when the server chose none (a
   * server without ALPN: speak HTTP/1.1 to it).
   */
  alpn: string | undefined;
  /** True when the handshake resumed a cached session. */
  resumed: boolean;
}

const ALPN: Record<AlpnPreference, string[]> = {
  h1: ['http/1.1'],
  h2: ['h2'],
  h2h1: ['h2', 'http/1.1'],
};

/**
 * The session-cache key of a peer: everything that must match for a session to be reused.
 * Trust anchors and the client certificate count too (as in node:https's agent): a session
 * verified against other CAs, or made with another client identity, must not be resumed.
 */
export function tlsPeerKey(peer: TlsPeer): string {
  const material =
    peer.ca === undefined && peer.cert === undefined && peer.key === undefined
      ? ''
      : createHash('sha256')
          .update([peer.ca ?? ''].flat().join('\n'))
          .update('\0')
          .update(peer.cert ?? '')
          .update('\0')
          .update(peer.key ?? '')
          .digest('base64url')
          .slice(0, 22);
  return [
    peer.host,
    peer.port,
    peer.sni ?? '',
    peer.expectedName ?? '',
    peer.verify ?? TLS_CONNECT_DEFAULTS.verify,
    peer.alpn ?? TLS_CONNECT_DEFAULTS.alpn,
    material,
  ].join('|');
}

/**
 * Connects to `peer` over TLS (node:tls, OpenSSL; TLS 1.2 or 1.3), verifying its certificate
 * and name by default, offering ALPN, resuming a session from `sessions` when one is cached
 * and storing each new one the peer sends. Failures are `PingoraError`s with source
 * `upstream`: `ConnectTimedout` / `TLSHandshakeTimedout`, `ConnectRefused` and the other
 * connect kinds, `InvalidCert` when the chain or name does not verify (or the peer refuses our
 * client certificate), `TLSHandshakeFailure` for the rest of the handshake.
 *
 * Two TLS 1.3 facts to know: the server sends session tickets after the handshake, so a
 * session is cached only once the connection has read something (a connection destroyed at
 * once leaves nothing to resume); and a server that refuses a client certificate does so
 * after the client's handshake has finished, so that error arrives on the socket's first read.
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
    const socket = nodeTls().connect({
      host: peer.host,
      port: peer.port,
      ...(servername === undefined ? {} : { servername }),
      rejectUnauthorized: verify,
      minVersion: 'TLSv1.2',
      ALPNProtocols: ALPN[peer.alpn ?? TLS_CONNECT_DEFAULTS.alpn],
      ...(peer.ca === undefined ? {} : { ca: peer.ca }),
      ...(peer.cert === undefined ? {} : { cert: peer.cert }),
      ...(peer.key === undefined ? {} : { key: peer.key }),
      ...(session === undefined ? {} : { session }),
      ...(expected === undefined
        ? {}
        : {
            checkServerIdentity: (_host: string, cert: tls.PeerCertificate) =>
              nodeTls().checkServerIdentity(expected, cert),
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
      if (!tcpConnected) {
        fail(fromSystemError(error, 'upstream', 'ConnectError', `connecting ${where}`));
      } else if (kindOfSystemCode(code) === 'InvalidCert' || code.startsWith('ERR_TLS_CERT')) {
        // Our verification failed, or the peer refused our client certificate (unknown_ca).
        fail(PingoraError.because('InvalidCert', `verifying the certificate of ${where}`, error));
      } else {
        // Everything else after TCP connected and before the handshake finished (alerts, a
        // reset or close mid-handshake, a peer that does not speak TLS) is a failed handshake.
        fail(PingoraError.because('TLSHandshakeFailure', `handshake of ${where}`, error));
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
