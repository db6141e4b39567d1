/**
 * node:tls, loaded on first use. Loading it (with OpenSSL's TLS state) adds about 3 MB to the
 * resident memory of a process (51.1 MB against 47.9 MB for node:net alone on Node 24), which a
 * program that imports this package for its types or its certificate tools, or a proxy that
 * speaks plain HTTP only, should not pay.
 */
export function nodeTls(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls');
}
