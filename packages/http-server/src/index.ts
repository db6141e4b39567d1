/**
 * Downstream HTTP/1.1 for Pingora-TS on raw sockets, on `@pingora-ts/http-parser`: each
 * request becomes an {@link HttpSession} with its head, its body as a stream read with
 * backpressure, and a response written with Content-Length or chunked framing; keep-alive per
 * RFC 9112 9.3, pipelined requests answered in order, `Expect: 100-continue`, upgrade and
 * CONNECT hand-off with the bytes already read. Limits answer 400, 414, 431, 413 and 408 with
 * `Connection: close`; header and keep-alive timeouts run on a `@pingora-ts/timeout` wheel.
 *
 * @example
 * ```ts
 * import { HttpServer } from '@pingora-ts/http-server';
 *
 * const server = new HttpServer({ handler: (s) => s.respond(200, `hello ${s.request.path}`) });
 * const { port } = await server.listen(0, '127.0.0.1');
 * const res = await fetch(`http://127.0.0.1:${port}/world`);
 * console.log(res.status, await res.text());
 * await server.close();
 * ```
 *
 * @packageDocumentation
 */
export { DownstreamConnection, type Handler } from './downstream-connection.js';
export { HttpServer, type HttpServerInit } from './http-server.js';
export { type HeadersInit, HttpSession } from './http-session.js';
export { type HttpServerOptions, SERVER_DEFAULTS } from './options.js';
