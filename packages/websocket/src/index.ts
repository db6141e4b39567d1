/**
 * RFC 6455 WebSocket for Pingora-TS: the frame codec (every opcode, 7/16/64-bit lengths,
 * word-wise masking, fragmentation with interleaved control frames, close codes, incremental
 * UTF-8 validation, frame and message limits), the opening handshake on both sides,
 * permessage-deflate (RFC 7692) with context takeover and window-bits negotiation (node:zlib,
 * or fflate for a context-keeping compressor on the event loop and for 8-bit windows),
 * a server on an upgraded `@pingora-ts/http-server` session, a client over
 * `@pingora-ts/http-client` (TLS through `@pingora-ts/tls`), and a frame-level relay whose
 * hook can inspect, change or drop every message a proxy passes on.
 *
 * @example
 * ```ts
 * import { HttpServer } from '@pingora-ts/http-server';
 * import { acceptWebSocket, connectWebSocket } from '@pingora-ts/websocket';
 *
 * const server = new HttpServer({
 *   handler: async (session) => {
 *     const ws = await acceptWebSocket(session, { perMessageDeflate: true });
 *     for await (const m of ws) await ws.send(`echo: ${m.text()}`);
 *   },
 * });
 * const { port } = await server.listen(0, '127.0.0.1');
 * const ws = await connectWebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
 * await ws.send('hello');
 * for await (const m of ws) {
 *   console.log(m.text(), ws.extensions);
 *   break;
 * }
 * console.log((await ws.close(1000, 'bye')).code);
 * await server.close();
 * ```
 *
 * @packageDocumentation
 */
export { type AcceptOptions, acceptWebSocket } from './accept-websocket.js';
export { CLOSE_CODES, isValidCloseCode } from './close-code.js';
export { type ConnectOptions, connectWebSocket } from './connect-websocket.js';
export { DeflateCodec } from './deflate-codec.js';
export { type ExtensionOffer, formatExtension, parseExtensions } from './extension-header.js';
export { encodeFrame, FrameWriter } from './frame-writer.js';
export {
  checkUpgradeRequest,
  computeAccept,
  type UpgradeRefusal,
  type UpgradeRequest,
  WEBSOCKET_VERSION,
} from './handshake.js';
export { applyMask } from './mask.js';
export { MessageReader, type MessageSink, type ReaderLimits } from './message-reader.js';
export { isControlOpcode, OPCODES } from './opcode.js';
export { WEBSOCKET_DEFAULTS, type WebSocketOptions } from './options.js';
export {
  acceptDeflateOffer,
  DEFLATE_DEFAULTS,
  type DeflateParams,
  deflateOffer,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
  readDeflateResponse,
} from './permessage-deflate.js';
export {
  type RelayDirection,
  type RelayHook,
  type RelayOptions,
  type RelayResult,
  relayWebSocket,
} from './relay.js';
export { isValidUtf8, Utf8Validator } from './utf8-validator.js';
export { type CloseInfo, type ReadyState, WebSocket, type WebSocketInit } from './websocket.js';
export { WebSocketMessage } from './websocket-message.js';
