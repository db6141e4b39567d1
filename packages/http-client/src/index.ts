/**
 * Upstream HTTP/1.1 for Pingora-TS: sessions on connections from `@pingora-ts/pool` (or new
 * ones over TCP, Unix sockets or TLS through `@pingora-ts/tls`), request heads and bodies
 * written with backpressure, responses parsed by `@pingora-ts/http-parser` (1xx skipped, 101
 * reported) and streamed; the connection goes back to the pool only when both sides allow
 * keep-alive and the body was read to its end. Connect, total-connect, read, write and idle
 * timeouts run on a `@pingora-ts/timeout` wheel; errors are `PingoraError`s from the
 * upstream whose retry decision says whether another attempt is safe.
 *
 * @example
 * ```ts
 * import { HttpConnector } from '@pingora-ts/http-client';
 *
 * const client = new HttpConnector();
 * const res = await client.request({ host: '127.0.0.1', port: 8080 }, { path: '/' });
 * console.log(res.status, (await res.bytes()).length);
 * client.close();
 * ```
 *
 * @packageDocumentation
 */
export { connectPeer } from './connect-peer.js';
export {
  HttpConnector,
  type HttpConnectorOptions,
  type RequestInit,
  type UpstreamResponse,
} from './http-connector.js';
export {
  CLIENT_DEFAULTS,
  type HttpPeer,
  type HttpPeerTls,
  httpPeerKey,
  PeerKeyCache,
  peerKeyAddress,
} from './http-peer.js';
export { type ChunkWaiter, SocketReader } from './socket-reader.js';
export {
  type ReleaseHandler,
  type ReleaseOutcome,
  type RequestBody,
  UpstreamSession,
} from './upstream-session.js';
