/**
 * node:tls, loaded on first use. Loading it adds about 1.8 MB to the resident memory of a
 * process that has node:net and node:crypto already (51.3 MB against 49.5 MB on Node 24), which a
 * program that imports this package for its types or its certificate tools, or a proxy that
 * speaks plain HTTP only, should not pay.
 */
export function nodeTls(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls');
}
