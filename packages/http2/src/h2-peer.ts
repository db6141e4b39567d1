import { type HttpPeer, peerKeyAddress } from '@pingora-ts/http-client';
import { peerKey } from '@pingora-ts/pool';

/**
 * Which HTTP version to speak to a peer: `h1` only; `h2` only (ALPN `h2` over TLS, prior
 * knowledge in clear, RFC 9113 3.3); `h2h1` HTTP/2 preferred (ALPN offers `h2` and
 * `http/1.1` and the peer chooses; in clear there is nothing to negotiate with, so HTTP/1.1).
 */
export type H2Protocol = 'h1' | 'h2' | 'h2h1';

/** An upstream server as `@pingora-ts/http-client` knows it, plus the protocol preference. */
export interface H2Peer extends HttpPeer {
  /** Default `h2h1`. */
  protocol?: H2Protocol;
}

/**
 * Keys by `peerKeyAddress` (of `@pingora-ts/http-client`): a proxy typically makes a new peer
 * object per request, which would otherwise cost a SHA-256 of its options each time. Cleared
 * when it reaches {@link CACHED_KEYS_MAX} addresses.
 */
const cachedKeys = new Map<string, string>();
const CACHED_KEYS_MAX = 4096;

/**
 * The pool key of a peer's HTTP/2 connections: address, transport and TLS identity. Peers with
 * a `peerKeyAddress` (plain TCP, or TLS without a CA or certificate of their own) are answered
 * from a cache.
 *
 * @throws TypeError / RangeError for an empty host or a port outside 0..65535.
 */
export function h2PeerKey(peer: H2Peer): string {
  const address = peerKeyAddress(peer);
  if (address === undefined) return computeKey(peer);
  let key = cachedKeys.get(address);
  if (key === undefined) {
    key = computeKey(peer);
    if (cachedKeys.size >= CACHED_KEYS_MAX) cachedKeys.clear();
    cachedKeys.set(address, key);
  }
  return key;
}

function computeKey(peer: H2Peer): string {
  const tls = peer.tls;
  return peerKey({
    host: peer.host,
    port: peer.port,
    protocol: 'h2',
    unix: peer.unixPath,
    ...(tls === undefined
      ? {}
      : {
          tls: {
            sni: tls.sni,
            verify: tls.verify ?? true,
            alpn: ['h2'],
            expectedName: tls.expectedName,
            caFingerprint:
              tls.ca === undefined ? undefined : [tls.ca].flat().map(String).join('\n'),
            certFingerprint: tls.cert === undefined ? undefined : String(tls.cert),
          },
        }),
  });
}
