/**
 * HTTP/2 for Pingora-TS on node:http2 (nghttp2 does framing, HPACK and flow control), as a
 * transport of the same session model as HTTP/1.1. Downstream, {@link H2Server} serves
 * connections (ALPN h2 over TLS, h2c with prior knowledge) and turns each stream into an
 * {@link H2Session} with the members of `HttpSession`, so one proxy drives both.
 * Upstream, {@link H2Connector} multiplexes requests over pooled HTTP/2 connections, with
 * PING keepalive, reconnect on GOAWAY and resets mapped to `PingoraError` retry decisions.
 * Translation helpers move heads between HTTP/1.1 and HTTP/2 by RFC 9113 section 8.
 *
 * @example
 * ```ts
 * import { H2Connector, H2Server } from '@pingora-ts/http2';
 *
 * const server = new H2Server({ handler: (s) => s.respond(200, `hello ${s.request.path} over ${s.protocol}`) });
 * const { port } = await server.listen(0, '127.0.0.1');
 * const client = new H2Connector();
 * const res = await client.request({ host: '127.0.0.1', port, protocol: 'h2' }, { path: '/world' });
 * console.log(res.status, (await res.bytes()).toString());
 * client.close();
 * await server.close();
 * ```
 *
 * @packageDocumentation
 */

export { H2_CLIENT_DEFAULTS, type H2ClientOptions } from './client-options.js';
export { H2Connection, type H2Handler } from './h2-connection.js';
export { H2Connector, type H2ConnectorOptions } from './h2-connector.js';
export { type H2Peer, type H2Protocol, h2PeerKey } from './h2-peer.js';
export { H2Server, type H2ServerInit, serveH2 } from './h2-server.js';
export { H2Session, type HeadersInit } from './h2-session.js';
export {
  acceptHttpConnection,
  H2C_PREFACE,
  type PrefaceVerdict,
  type SocketServer,
  sniffH2cPreface,
} from './h2c-preface.js';
export {
  fieldsFromH2,
  fieldsToH2,
  requestFromH2,
  requestToH2,
  responseFromH2,
  responseToH2,
  withoutHopByHop,
} from './header-translation.js';
export { H2_SERVER_DEFAULTS, type H2ServerOptions } from './options.js';
export { h2CodeName, upstreamResetError } from './stream-error.js';
export type { H2UpstreamResponse } from './upstream-exchange.js';
