/**
 * RFC 6455 WebSocket: frame codec, handshake, permessage-deflate, client and server, frame-level relay.
 *
 * @packageDocumentation
 */
export {};
