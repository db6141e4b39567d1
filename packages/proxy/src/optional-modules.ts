/**
 * The proxy's optional transports, loaded on first use. HTTP/2 (with node:http2 under it) and
 * frame-level WebSocket add 7-12 MB to the resident memory of a process that loads them
 * (peak RSS under 100 B keep-alive load: 80-82 MB against 91-96 MB), so a proxy that serves
 * only HTTP/1.1 never pays for them. Each loads once; every caller shares the same promise.
 */
type Http2Module = typeof import('@pingora-ts/http2');
type WebSocketModule = typeof import('@pingora-ts/websocket');

let http2Loading: Promise<Http2Module> | undefined;
let http2: Http2Module | undefined;
let webSocket: Promise<WebSocketModule> | undefined;

/** `@pingora-ts/http2`, loaded on the first call. */
export function loadHttp2(): Promise<Http2Module> {
  http2Loading ??= import('@pingora-ts/http2').then((m) => {
    http2 = m;
    return m;
  });
  return http2Loading;
}

/** `@pingora-ts/http2` once {@link loadHttp2} has loaded it (no await for each stream). */
export function loadedHttp2(): Http2Module | undefined {
  return http2;
}

/** `@pingora-ts/websocket`, loaded on the first call. */
export function loadWebSocket(): Promise<WebSocketModule> {
  webSocket ??= import('@pingora-ts/websocket');
  return webSocket;
}
