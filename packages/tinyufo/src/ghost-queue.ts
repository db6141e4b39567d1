/**
 * The bucket of `hash` in a ghost table of `mask + 1` buckets: its low bits, the hash being
 * well mixed (TinyUfo mixes every key hash once, for the sketch and the ghost alike).
 */
export function ghostBucket(hash: number, mask: number): number {
  return hash & mask;
}

/**
 * S3-FIFO's ghost queue: the keys most recently evicted from the small queue, so that a key
 * coming back soon after goes straight to the main queue instead of waiting in probation
 * again. Stored as the S3-FIFO paper suggests (Yang et al., SOSP 2023, section 4.2): a table
 * of key hashes with the eviction's sequence number, not a real queue. A hash counts as a
 * ghost while fewer than `capacity` evictions have happened since its own, which is a FIFO of
 * `capacity` entries without the cost of dequeuing; two hashes that share a bucket keep only
 * the later one, which forgets a ghost early and never invents one.
 */
export class GhostQueue {
  /** How many evictions a ghost is remembered for. */
  readonly capacity: number;
  private readonly hashes: Int32Array;
  /** Sequence number of the eviction that wrote the bucket; 0: empty. */
  private readonly stamps: Float64Array;
  private readonly mask: number;
  private sequence = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(0, Math.floor(capacity));
    // Two buckets per remembered key keep collisions (early forgetting) rare.
    let size = 16;
    while (size < this.capacity * 2) size *= 2;
    this.hashes = new Int32Array(size);
    this.stamps = new Float64Array(size);
    this.mask = size - 1;
  }

  /** Remembers the key hash `hash` as just evicted. */
  remember(hash: number): void {
    const bucket = ghostBucket(hash, this.mask);
    this.hashes[bucket] = hash;
    this.stamps[bucket] = ++this.sequence;
  }

  /** Whether `hash` is a ghost; if so it is forgotten (it is coming back into the cache). */
  take(hash: number): boolean {
    const bucket = ghostBucket(hash, this.mask);
    const stamp = this.stamps[bucket]!;
    if (stamp === 0 || this.hashes[bucket] !== (hash | 0)) return false;
    this.stamps[bucket] = 0;
    return this.sequence - stamp < this.capacity;
  }

  /** Forgets every ghost. */
  clear(): void {
    this.stamps.fill(0);
  }
}
