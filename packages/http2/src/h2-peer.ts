import type { HttpPeer } from '@pingora-ts/http-client';
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
 * Keys of plain TCP peers by `port:host` as written (a proxy typically makes a new peer object
 * per request, which would otherwise cost a SHA-256 of its options each time); cleared when it
 * reaches {@link PLAIN_KEYS_MAX} addresses.
 */
const plainKeys = new Map<string, string>();
const PLAIN_KEYS_MAX = 4096;

/**
 * The pool key of a peer's HTTP/2 connections: address, transport and TLS identity. Plain TCP
 * peers are answered from a cache of their addresses.
 *
 * @throws TypeError / RangeError for an empty host or a port outside 0..65535.
 */
export function h2PeerKey(peer: H2Peer): string {
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
