/**
 * HTTP/2 downstream (ALPN h2, h2c) and upstream (multiplexed, pooled) on node:http2.
 *
 * @packageDocumentation
 */
export {};
