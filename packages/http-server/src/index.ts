/**
 * Downstream HTTP/1.1 sessions on raw sockets: keep-alive, pipelining, streaming bodies with backpressure, 100-continue, upgrade hand-off, limits and timeouts.
 *
 * @packageDocumentation
 */
export {};
