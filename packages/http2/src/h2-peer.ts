import { type HttpPeer, PeerKeyCache } from '@pingora-ts/http-client';
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
 * The pool key of a peer's HTTP/2 connections: address, transport and TLS identity. Peers with
 * a `peerKeyAddress` (plain TCP, or TLS without a CA or certificate of their own) are answered
 * from a cache.
 *
 * @throws TypeError / RangeError for an empty host or a port outside 0..65535.
 */
export function h2PeerKey(peer: H2Peer): string {
  return h2Keys.get(peer);
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

/** The keys `h2PeerKey` answers (`H2Connector` asks it by address directly). */
export const h2Keys = new PeerKeyCache<H2Peer>(computeKey);
