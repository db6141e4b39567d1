/**
 * A consistent-hash ring that chooses exactly as nginx's `hash $key consistent`
 * (ngx_http_upstream_hash_module) and Cloudflare Pingora's `pingora-ketama` do: 160 points per
 * weight unit, CRC-32 of `HOST \0 PORT PREV_HASH` per point, CRC-32 of the key, first point at or
 * after the key's hash with wrap-around, and ties between equal point hashes won by the server
 * listed first. Lookups take a string (hashed as UTF-8) or bytes, and {@link Continuum.nodeIter}
 * walks the following distinct servers in nginx's retry order.
 *
 * @example
 * ```ts
 * import { Continuum } from '@pingora-ts/ketama';
 *
 * const ring = new Continuum([
 *   { addr: '127.0.0.1:12345', weight: 1 },
 *   { addr: '127.0.0.2:12345', weight: 2 },
 *   { addr: '127.0.0.3:12345', weight: 3 },
 * ]);
 * for (const key of ['some_key', 'another_key', 'last_key']) {
 *   console.log(`${key}: ${ring.nodeAddr(key)}`);
 * }
 * // some_key: 127.0.0.3:12345
 * // another_key: 127.0.0.3:12345
 * // last_key: 127.0.0.2:12345
 * ```
 *
 * @packageDocumentation
 */
export { type Bucket, Continuum, DEFAULTS } from './continuum.js';
export { crc32 } from './crc32.js';
export { POINTS_PER_WEIGHT } from './server-points.js';
