// The ring itself: build as ngx_http_upstream_init_chash does, look up as
// ngx_http_upstream_find_chash_point and ngx_http_upstream_get_chash_peer do.
import { crc32 } from './crc32.js';
import { POINTS_PER_WEIGHT, writeServerPoints } from './server-points.js';
import { stableHashOrder } from './stable-hash-order.js';

/** One server on the ring. */
export interface Bucket {
  /**
   * The server name exactly as nginx's `server` directive would have it (`host:port`,
   * `[v6]:port`, `name` without port, or `unix:/path`). The ring hashes these bytes, so
   * `127.0.0.1:80` and `localhost:80` land on different points, as in nginx.
   */
  addr: string;
  /** Relative weight, a positive integer; the server gets `weight * 160` points. */
  weight?: number;
}

/** Defaults of {@link Bucket}, in one place. */
export const DEFAULTS = {
  /** nginx's `server ... weight=` default. */
  weight: 1,
  /**
   * Upper bound on the total weight of a ring (that is `maxTotalWeight * 160` points, 16 MiB of
   * hashes). nginx has no such bound; it is here so a mistyped weight throws instead of
   * allocating gigabytes.
   */
  maxTotalWeight: 100_000,
} as const;

/** Most top-of-hash bits used to index straight into the sorted points. */
const MAX_INDEX_BITS = 16;

function assertBuckets(buckets: readonly Bucket[]): number[] {
  if (!Array.isArray(buckets)) throw new TypeError('buckets must be an array of { addr, weight }');
  const weights: number[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const [i, bucket] of buckets.entries()) {
    const addr: unknown = bucket?.addr;
    if (typeof addr !== 'string' || addr.length === 0) {
      throw new TypeError(`buckets[${i}].addr must be a non-empty string`);
    }
    if (seen.has(addr)) {
      // nginx spreads requests over peers sharing a name by weighted round robin, a state a
      // pure function of the key cannot reproduce; refuse instead of silently differing.
      throw new RangeError(`buckets[${i}].addr ${JSON.stringify(addr)} is listed twice`);
    }
    seen.add(addr);
    const weight: unknown = bucket.weight ?? DEFAULTS.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1) {
      throw new RangeError(`buckets[${i}].weight must be a positive integer, got ${weight}`);
    }
    total += weight;
    if (total > DEFAULTS.maxTotalWeight) {
      throw new RangeError(`total weight exceeds ${DEFAULTS.maxTotalWeight}`);
    }
    weights.push(weight);
  }
  return weights;
}

/**
 * A consistent-hash ring that picks the same server as nginx's `hash $key consistent` (and as
 * Pingora's `pingora-ketama`) for the same servers, in the same order, with the same weights.
 *
 * Each server gets `weight * 160` points, hashed with CRC-32 from its name; a key is hashed with
 * CRC-32 and served by the first point at or after its hash, wrapping past the largest point to
 * the smallest. Servers are referred to by their index in the `buckets` array.
 *
 * Health is not the ring's business: nginx walks on to the next points' servers when the chosen
 * one is `down`, failed (`max_fails`) or already tried, and {@link Continuum.nodeIter} yields
 * servers in exactly that order so the caller can skip the unhealthy ones. Two cases nginx
 * takes off the ring, which a stateless ring leaves to the caller: an empty key (nginx falls back
 * to weighted round robin; here it hashes to 0 and lands on the first point, as in Pingora) and
 * a walk past 20 points without an available server (nginx falls back to round robin too).
 *
 * @example
 * ```ts
 * const ring = new Continuum([
 *   { addr: '127.0.0.1:7777', weight: 1 },
 *   { addr: '127.0.0.1:7778', weight: 1 },
 * ]);
 * ring.addr(ring.node('/some/path')); // '127.0.0.1:7778', as nginx and Pingora choose
 * ```
 */
export class Continuum {
  /** Server names, by index (the order of the `buckets` given). */
  readonly addrs: readonly string[];
  /** Sorted, distinct point hashes. */
  readonly #hashes: Uint32Array;
  /** `#owners[p]` is the server index of point p. */
  readonly #owners: Uint32Array;
  /** `#index[b]` is the first point whose hash's top bits are >= b; `#index[2^bits]` = count. */
  readonly #index: Uint32Array;
  readonly #shift: number;

  /**
   * Builds the ring.
   *
   * @param buckets - the servers, in the order of nginx's upstream block (order matters only
   *   when two servers' points share a hash: the earlier server keeps the point, as in nginx).
   * @throws TypeError when an addr is not a non-empty string; RangeError when a weight is not a
   *   positive integer, an addr is listed twice, or the total weight exceeds
   *   {@link DEFAULTS}.maxTotalWeight.
   */
  constructor(buckets: readonly Bucket[]) {
    const weights = assertBuckets(buckets);
    const addrs = buckets.map((b) => b.addr);
    let total = 0;
    for (const w of weights) total += w * POINTS_PER_WEIGHT;

    // Generate points server by server, in upstream order, as nginx does.
    const raw = new Uint32Array(total);
    const rawOwner = new Uint32Array(total);
    let offset = 0;
    for (let s = 0; s < addrs.length; s++) {
      const end = writeServerPoints(addrs[s]!, weights[s]!, raw, offset);
      rawOwner.fill(s, offset, end);
      offset = end;
    }

    // Sort (stable) and keep the first point of each run of equal hashes, as nginx does after
    // its qsort; Pingora dedups the same way after an unstable sort.
    const order = stableHashOrder(raw);
    const hashes = new Uint32Array(total);
    const owners = new Uint32Array(total);
    let count = 0;
    for (let k = 0; k < total; k++) {
      const p = order[k]!;
      const hash = raw[p]!;
      if (count > 0 && hashes[count - 1] === hash) continue;
      hashes[count] = hash;
      owners[count] = rawOwner[p]!;
      count++;
    }
    this.#hashes = hashes.slice(0, count);
    this.#owners = owners.slice(0, count);

    // A direct index on the top bits of the hash narrows the binary search of every lookup to a
    // bucket of about one point. It changes speed only: the answer is still nginx's "first
    // point >= hash".
    let bits = 1;
    while (bits < MAX_INDEX_BITS && 1 << bits < count) bits++;
    const shift = 32 - bits;
    const index = new Uint32Array((1 << bits) + 1);
    let p = 0;
    for (let b = 0; b <= 1 << bits; b++) {
      while (p < count && this.#hashes[p]! >>> shift < b) p++;
      index[b] = p;
    }
    this.#index = index;
    this.#shift = shift;
    this.addrs = Object.freeze(addrs);
  }

  /** Number of servers. */
  get size(): number {
    return this.addrs.length;
  }

  /** Number of distinct points on the ring (`160 * total weight` minus hash collisions). */
  get pointCount(): number {
    return this.#hashes.length;
  }

  /**
   * The server index for a key (nginx's `hash $key consistent` choice; key hashed with
   * ngx_crc32_long): the owner of the first point whose hash is >= CRC-32 of the
   * key, wrapping to the first point. Strings are hashed as their UTF-8 bytes. Returns -1 for
   * an empty ring.
   *
   * To match nginx, pass exactly the bytes nginx hashes: `hash $arg_k consistent` hashes the raw
   * (still percent-encoded) query argument.
   */
  node(key: Uint8Array | string): number {
    if (this.#hashes.length === 0) return -1;
    return this.#owners[this.#find(crc32(key))]!;
  }

  /** The server name for a key, or `undefined` for an empty ring. */
  nodeAddr(key: Uint8Array | string): string | undefined {
    const node = this.node(key);
    return node < 0 ? undefined : this.addrs[node];
  }

  /** The name of server `index` (as given in its bucket). */
  addr(index: number): string {
    const addr = this.addrs[index];
    if (addr === undefined) throw new RangeError(`no server at index ${index}`);
    return addr;
  }

  /**
   * The servers to try for a key, in the order nginx's consistent hash retries them: the
   * chosen server, then the owners of the following points (wrapping around) that were not
   * yielded yet. Each server comes at most once; the walk stops after one turn of the ring.
   *
   * @example
   * ```ts
   * for (const server of ring.nodeIter('user-42')) {
   *   if (isHealthy(server)) return server;
   * }
   * ```
   */
  *nodeIter(key: Uint8Array | string): Generator<number, void, undefined> {
    const count = this.#hashes.length;
    if (count === 0) return;
    const owners = this.#owners;
    const seen = new Uint8Array(this.addrs.length);
    let remaining = this.addrs.length;
    let p = this.#find(crc32(key));
    for (let step = 0; step < count && remaining > 0; step++) {
      const owner = owners[p]!;
      if (seen[owner] === 0) {
        seen[owner] = 1;
        remaining--;
        yield owner;
      }
      p = p + 1 === count ? 0 : p + 1;
    }
  }

  /**
   * The index of the point a key lands on (Pingora's `node_idx`); -1 for an empty ring. With
   * {@link Continuum.pointNode} it walks the ring point by point, as Pingora's `node_iter` does.
   */
  pointIndex(key: Uint8Array | string): number {
    if (this.#hashes.length === 0) return -1;
    return this.#find(crc32(key));
  }

  /** The hash of point `p` (points are sorted ascending). */
  pointHash(p: number): number {
    const hash = this.#hashes[p];
    if (hash === undefined) throw new RangeError(`no point at index ${p}`);
    return hash;
  }

  /** The server index owning point `p`. */
  pointNode(p: number): number {
    const owner = this.#owners[p];
    if (owner === undefined) throw new RangeError(`no point at index ${p}`);
    return owner;
  }

  /** First point with hash >= `hash`, or 0 past the last point (the ring wraps). */
  #find(hash: number): number {
    const hashes = this.#hashes;
    const bucket = hash >>> this.#shift;
    let lo = this.#index[bucket]!;
    let hi = this.#index[bucket + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === hashes.length ? 0 : lo;
  }
}
