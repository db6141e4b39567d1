/**
 * TLS on node:tls: server contexts with SNI and ALPN, upstream verification, mTLS, session resumption, certificate tooling.
 *
 * @packageDocumentation
 */
export {};
