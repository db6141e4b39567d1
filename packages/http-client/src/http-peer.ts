import { peerKey } from '@pingora-ts/pool';
import type { TlsPeer } from '@pingora-ts/tls';

/** TLS settings of an {@link HttpPeer} (host and port come from the peer). */
export type HttpPeerTls = Omit<TlsPeer, 'host' | 'port' | 'timeoutMs' | 'alpn'>;

/** An upstream HTTP/1.1 server; every default is in {@link CLIENT_DEFAULTS}. */
export interface HttpPeer {
  host: string;
  port: number;
  /** Connect to this Unix socket instead of host:port (host still names the peer). */
  unixPath?: string;
  /** Speak TLS (through `@pingora-ts/tls`) with these settings. */
  tls?: HttpPeerTls;
  /** One connection attempt (TCP connect plus TLS handshake), ms. */
  connectTimeoutMs?: number;
  /** All connection attempts of one request together, retries included, ms. */
  totalConnectTimeoutMs?: number;
  /** Longest wait for the next response bytes, ms. */
  readTimeoutMs?: number;
  /** Longest wait for the socket to accept more request bytes, ms. */
  writeTimeoutMs?: number;
  /** How long a connection may sit idle in the pool, ms. */
  idleTimeoutMs?: number;
}

/** Defaults of {@link HttpPeer}. */
export const CLIENT_DEFAULTS = {
  connectTimeoutMs: 10_000,
  totalConnectTimeoutMs: 30_000,
  readTimeoutMs: 60_000,
  writeTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
} as const;

/** The pool key of a peer: its address, transport and TLS identity. */
export function httpPeerKey(peer: HttpPeer): string {
  const tls = peer.tls;
  return peerKey({
    host: peer.host,
    port: peer.port,
    protocol: 'http/1.1',
    unix: peer.unixPath,
    ...(tls === undefined
      ? {}
      : {
          tls: {
            sni: tls.sni,
            verify: tls.verify ?? true,
            alpn: ['http/1.1'],
            expectedName: tls.expectedName,
            caFingerprint: caText(tls.ca),
            certFingerprint: tls.cert === undefined ? undefined : String(tls.cert),
          },
        }),
  });
}

function caText(ca: HttpPeerTls['ca']): string | undefined {
  if (ca === undefined) return undefined;
  return Array.isArray(ca) ? ca.map(String).join('\n') : String(ca);
}
