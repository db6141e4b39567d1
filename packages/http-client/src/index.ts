/**
 * Upstream HTTP/1.1 sessions over pool and tls: connect, read, write and idle timeouts, streaming both ways.
 *
 * @packageDocumentation
 */
export {};
