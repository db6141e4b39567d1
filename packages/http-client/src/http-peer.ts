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
 * Pool keys of peers by {@link peerKeyAddress}, computed once per address: a proxy typically
 * makes a new peer object per request, and hashing its options with SHA-256 each time cost
 * 2.3 us for a TLS peer. Holds at most `maxAddresses` keys (cleared when full). Peers without an
 * address get their key computed on every call.
 */
export class PeerKeyCache<P extends HttpPeer = HttpPeer> {
  private readonly keys = new Map<string, string>();
  /**
   * Keys of plain TCP peers by host, then port: found without making the address string (a
   * string made per lookup is flattened and hashed again on each).
   */
  private readonly plain = new Map<string, Map<number, string>>();
  private plainSize = 0;
  private readonly compute: (peer: P) => string;
  private readonly maxAddresses: number;

  /** @param compute - the full key of a peer (a SHA-256 of its options, say). */
  constructor(compute: (peer: P) => string, maxAddresses = 4096) {
    this.compute = compute;
    this.maxAddresses = maxAddresses;
  }

  /** The key of `peer`. */
  get(peer: P): string {
    return this.cached(peer) ?? this.compute(peer);
  }

  /**
   * The key of a peer that has a {@link peerKeyAddress}, from the cache (computed and kept on a
   * miss); `undefined` for the others, whose key is not cached here.
   */
  cached(peer: P): string | undefined {
    if (peer.tls !== undefined || peer.unixPath !== undefined) {
      const address = peerKeyAddress(peer);
      return address === undefined ? undefined : this.at(address, peer);
    }
    const ports = this.plain.get(peer.host);
    const found = ports?.get(peer.port);
    if (found !== undefined) return found;
    const key = this.compute(peer); // throws for an invalid address: nothing is kept for it
    this.makeRoom();
    if (ports === undefined) this.plain.set(peer.host, new Map([[peer.port, key]]));
    else ports.set(peer.port, key);
    this.plainSize++;
    return key;
  }

  /** The key of `peer`, whose {@link peerKeyAddress} is `address` (computed by the caller). */
  at(address: string, peer: P): string {
    let key = this.keys.get(address);
    if (key === undefined) {
      key = this.compute(peer);
      this.makeRoom();
      this.keys.set(address, key);
    }
    return key;
  }

  /** Clears the cache when it holds `maxAddresses` keys. */
  private makeRoom(): void {
    if (this.keys.size + this.plainSize < this.maxAddresses) return;
    this.keys.clear();
    this.plain.clear();
    this.plainSize = 0;
  }
}

/**
 * A string that stands for everything a peer's pool key depends on, when that is only strings,
 * numbers and booleans: a plain TCP peer, or a TLS peer without a CA or client certificate of
 * its own (their PEM is not worth copying into a cache key). `undefined` for the others (and for
 * a Unix-socket peer), whose key is computed every time.
 */
export function peerKeyAddress(peer: HttpPeer): string | undefined {
  if (peer.unixPath !== undefined) return undefined;
  const tls = peer.tls;
  if (tls === undefined) return `${peer.port}:${peer.host}`;
  if (tls.ca !== undefined || tls.cert !== undefined) return undefined;
  const { sni, verify, expectedName } = tls;
  if (
    (sni !== undefined && typeof sni !== 'string') ||
    (verify !== undefined && typeof verify !== 'boolean') ||
    (expectedName !== undefined && typeof expectedName !== 'string')
  ) {
    return undefined;
  }
  // JSON keeps the fields apart whatever they contain; "t" keeps TLS apart from plain peers.
  return `t${JSON.stringify([peer.port, peer.host, sni ?? null, verify ?? true, expectedName ?? null])}`;
}

/**
 * The pool key of a peer: its address, transport and TLS identity (`peerKey` of
 * `@pingora-ts/pool`, so equal for peers that differ only in host case, option order or
 * timeouts). Peers with a {@link peerKeyAddress} are answered from a cache.
 *
 * @throws TypeError / RangeError for an empty host or a port outside 0..65535.
 */
export function httpPeerKey(peer: HttpPeer): string {
  return httpKeys.get(peer);
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

/** The keys `httpPeerKey` answers (`HttpConnector` asks it by address directly). */
export const httpKeys = new PeerKeyCache<HttpPeer>(computeKey);
