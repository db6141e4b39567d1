// The points one server puts on the ring, computed as nginx's ngx_http_upstream_init_chash
// (src/http/modules/ngx_http_upstream_hash_module.c) does, which pingora-ketama copies.
import { CRC32_INIT, crc32UpdateBytes } from './crc32.js';

/**
 * Points per weight unit. nginx hard-codes `peer->weight * 160` in ngx_http_upstream_init_chash,
 * and pingora-ketama copies the constant ("It will create 160 points per weight unit").
 */
export const POINTS_PER_WEIGHT = 160;

const encoder = new TextEncoder();
const NUL = new Uint8Array([0]);
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;

/** The host and port bytes nginx hashes for a server name, as subarrays of its UTF-8 bytes. */
export interface ServerNameParts {
  host: Uint8Array;
  port: Uint8Array;
}

/**
 * Splits a server name the way nginx does before hashing it, so the ring is built from the
 * same bytes:
 * - `unix:/path` (prefix matched case-insensitively): host is the path, port is empty;
 * - otherwise, if the name ends in `:` followed only by digits, host is everything before that
 *   last colon and port is the digits (so `[::1]:80` gives host `[::1]`, brackets kept, and
 *   `example.com:8080` gives `example.com`);
 * - otherwise (no port written) the whole name is the host and the port is empty.
 * The name is hashed exactly as written in nginx's `server` directive: `localhost:80` and
 * `127.0.0.1:80` are different names with different points.
 */
export function splitServerName(name: string): ServerNameParts {
  const bytes = encoder.encode(name);
  const length = bytes.length;
  if (
    length >= 5 &&
    (bytes[0]! | 0x20) === 0x75 && // u
    (bytes[1]! | 0x20) === 0x6e && // n
    (bytes[2]! | 0x20) === 0x69 && // i
    (bytes[3]! | 0x20) === 0x78 && // x
    bytes[4] === COLON
  ) {
    return { host: bytes.subarray(5), port: bytes.subarray(length) };
  }
  // Walk back over trailing digits; a colon right before them separates the port.
  for (let j = 0; j < length; j++) {
    const c = bytes[length - j - 1]!;
    if (c === COLON) {
      return { host: bytes.subarray(0, length - j - 1), port: bytes.subarray(length - j) };
    }
    if (c < ZERO || c > NINE) break;
  }
  return { host: bytes, port: bytes.subarray(length) };
}

/**
 * Writes the `weight * 160` point hashes of one server into `out` from `offset`, in the order
 * nginx generates them, and returns the offset after the last one.
 *
 * nginx (compatible with Cache::Memcached::Fast) hashes `HOST \0 PORT PREV_HASH`: a base CRC
 * over the host, one NUL byte and the port, then for each point the base continued with the
 * previous point's hash as 4 little-endian bytes (0 for the first point), finalised. The
 * little-endian order is what nginx's `prev_hash` union yields on x86 and ARM and what its
 * big-endian branch writes byte by byte, so it holds on every platform.
 */
export function writeServerPoints(
  name: string,
  weight: number,
  out: Uint32Array,
  offset: number,
): number {
  const { host, port } = splitServerName(name);
  let base = crc32UpdateBytes(CRC32_INIT, host, 0, host.length);
  base = crc32UpdateBytes(base, NUL, 0, 1);
  base = crc32UpdateBytes(base, port, 0, port.length);
  const prev = new Uint8Array(4);
  const count = weight * POINTS_PER_WEIGHT;
  for (let j = 0; j < count; j++) {
    const hash = ~crc32UpdateBytes(base, prev, 0, 4) >>> 0;
    out[offset++] = hash;
    prev[0] = hash & 0xff;
    prev[1] = (hash >>> 8) & 0xff;
    prev[2] = (hash >>> 16) & 0xff;
    prev[3] = hash >>> 24;
  }
  return offset;
}
