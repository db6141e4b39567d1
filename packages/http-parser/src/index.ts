/**
 * HTTP types and a strict, incremental, fast HTTP/1.x codec (RFC 9110, RFC 9112): a header
 * map that keeps case, order and duplicates; request and response head parsers that take
 * input in chunks of any size without rescanning; body framing and decoding (Content-Length,
 * chunked with extensions and trailers, close-delimited, upgrade hand-off); head and chunk
 * encoders; keep-alive decisions. Bad input is rejected with a `PingoraError` whose `detail`
 * names the RFC rule and the byte offset.
 *
 * @example
 * ```ts
 * import { BodyDecoder, RequestHeadParser } from '@pingora-ts/http-parser';
 *
 * const parser = new RequestHeadParser();
 * const wire = Buffer.from('POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello');
 * const parsed = parser.push(wire);
 * if (parsed !== null) {
 *   const body = new BodyDecoder(parsed.body, 'request');
 *   const chunk = body.push(wire.subarray(parsed.consumed));
 *   console.log(parsed.head.method, parsed.head.path, parsed.head.query, parsed.head.headers.get('host'));
 *   console.log(Buffer.concat(chunk.data).toString(), chunk.done, parsed.keepAlive);
 * }
 * ```
 *
 * @packageDocumentation
 */
export { type BodyChunk, BodyDecoder } from './body-decoder.js';
export {
  type BodyFraming,
  type BodyKind,
  CHUNKED_BODY,
  CLOSE_DELIMITED_BODY,
  lengthBody,
  NO_BODY,
  UPGRADE_BODY,
} from './body-framing.js';
export { equalsIgnoreCase } from './char-class.js';
export { encodeChunk, encodeChunkCopy, encodeLastChunk } from './chunked-encoder.js';
export { encodeRequestHead, encodeResponseHead } from './head-encoder.js';
export {
  type ParsedHead,
  type ParsedRequest,
  type ParsedResponse,
  RequestHeadParser,
  ResponseHeadParser,
} from './head-parser.js';
export { HeaderMap } from './header-map.js';
export { isKeepAlive, shouldKeepAlive } from './keep-alive.js';
export { type Method, RequestHeader, ResponseHeader, type Version } from './message-types.js';
export { PARSE_DEFAULTS, type ParseOptions } from './parse-options.js';
export { reasonPhrase } from './reason-phrase.js';
