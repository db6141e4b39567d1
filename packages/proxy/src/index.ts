/**
 * The heart of Pingora-TS: write one {@link ProxyHttp} object with the phases you need, and
 * {@link HttpProxy} runs every downstream request through them in Pingora's order (new context,
 * early request filter, request filter, request body filter, cache phases, proxy upstream
 * filter, upstream peer, connected to upstream, upstream request filter, upstream response
 * filter, response filter, response body filter, range filter, logging; fail to connect, error
 * while proxying and fail to proxy on the way out). Bodies stream with backpressure both ways;
 * retries follow DESIGN.md; hop-by-hop fields are removed (RFC 9110 section 7.6.1); upgrades
 * are tunnelled; byte ranges are served from full responses.
 *
 * @example
 * ```ts
 * import { HttpServer } from '@pingora-ts/http-server';
 * import { Filter, HttpProxy } from '@pingora-ts/proxy';
 *
 * const origin = new HttpServer({ handler: (s) => s.respond(200, `origin saw ${s.request.path}`) });
 * const { port } = await origin.listen(0, '127.0.0.1');
 * const proxy = new HttpProxy({
 *   requestFilter: (s) => (s.request.path === '/secret' ? Filter.reject(403, 'not here') : undefined),
 *   upstreamPeer: () => ({ host: '127.0.0.1', port }),
 *   responseFilter: (_s, response) => void response.headers.set('Via', '1.1 example'),
 * });
 * const front = await proxy.listen(0, '127.0.0.1');
 * for (const path of ['/hello', '/secret']) {
 *   const res = await fetch(`http://127.0.0.1:${front.port}${path}`);
 *   console.log(res.status, res.headers.get('via') ?? '-', await res.text());
 * }
 * await proxy.close();
 * await origin.close();
 * ```
 *
 * @packageDocumentation
 */
export {
  COMPRESSION_DEFAULTS,
  CodingStep,
  type CompressionOptions,
  type ContentCoding,
  negotiateCoding,
  ResponseCompression,
} from './compression.js';
export {
  DownstreamRouter,
  type DrainableConnection,
  type ProxyHttp2Options,
} from './downstream-router.js';
export { addForwardedHeaders, type ForwardedOptions } from './forwarded-headers.js';
export { connectionOptions, isUpgradeRequest, withoutHopByHop } from './hop-by-hop.js';
export { HttpProxy } from './http-proxy.js';
export {
  type FailToProxyResult,
  Filter,
  type FilterResponse,
  type FilterResult,
  type MaybePromise,
  type ProxyHttp,
  type ProxyPeer,
} from './proxy-http.js';
export { type HttpProxyOptions, PROXY_DEFAULTS } from './proxy-options.js';
export {
  type CacheSwitches,
  type DownstreamSession,
  type DownstreamTls,
  ProxySession,
  type ProxyTiming,
} from './proxy-session.js';
export {
  type ByteRange,
  ifRangeMatches,
  MAX_RANGES,
  parseRange,
  RangeBody,
} from './range-filter.js';
export { type TunnelResult, tunnel } from './upgrade-tunnel.js';
