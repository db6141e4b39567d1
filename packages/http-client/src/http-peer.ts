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

/**
 * Keys of plain TCP peers by `port:host` as written: such a key depends on nothing else, and a
 * proxy typically returns a new peer object per request, which would otherwise cost a SHA-256
 * of its options each time. Cleared when it reaches {@link PLAIN_KEYS_MAX} distinct addresses.
 */
const plainKeys = new Map<string, string>();
const PLAIN_KEYS_MAX = 4096;

/**
 * The pool key of a peer: its address, transport and TLS identity (`peerKey` of
 * `@pingora-ts/pool`, so equal for peers that differ only in host case, option order or
 * timeouts). Plain TCP peers are answered from a cache of their addresses.
 *
 * @throws TypeError / RangeError for an empty host or a port outside 0..65535.
 */
export function httpPeerKey(peer: HttpPeer): string {
  if (peer.tls !== undefined || peer.unixPath !== undefined) return computeKey(peer);
  const address = `${peer.port}:${peer.host}`;
  let key = plainKeys.get(address);
  if (key === undefined) {
    key = computeKey(peer);
    if (plainKeys.size >= PLAIN_KEYS_MAX) plainKeys.clear();
    plainKeys.set(address, key);
  }
  return key;
}

function computeKey(peer: HttpPeer): string {
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
