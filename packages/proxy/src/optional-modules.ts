/**
 * The proxy's optional transports, loaded on first use. HTTP/2 (with node:http2 under it) and
 * frame-level WebSocket add about 7 MB to the resident memory of a process that loads them
 * (measured under keep-alive load: 81-84 MB against 88-90 MB), so a proxy that serves only
 * HTTP/1.1 never pays for them. Each loads once; every caller shares the same promise.
 */
type Http2Module = typeof import('@pingora-ts/http2');
type WebSocketModule = typeof import('@pingora-ts/websocket');

let http2: Promise<Http2Module> | undefined;
let webSocket: Promise<WebSocketModule> | undefined;

/** `@pingora-ts/http2`, loaded on the first call. */
export function loadHttp2(): Promise<Http2Module> {
  http2 ??= import('@pingora-ts/http2');
  return http2;
}

/** `@pingora-ts/websocket`, loaded on the first call. */
export function loadWebSocket(): Promise<WebSocketModule> {
  webSocket ??= import('@pingora-ts/websocket');
  return webSocket;
}
