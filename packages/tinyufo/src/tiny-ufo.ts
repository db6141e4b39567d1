import { FrequencySketch } from './frequency-sketch.js';
import { GhostQueue } from './ghost-queue.js';
import { defaultHashKey, mix32 } from './key-hash.js';
import { DEFAULTS, resolveOptions, type TinyUfoOptions } from './options.js';
import { SlotQueue } from './slot-queue.js';

/** An entry that left the cache through `put` / `forcePut` (or was refused admission). */
export interface Evicted<K, V> {
  readonly key: K;
  readonly value: V;
  readonly weight: number;
}

// Slot states. A removed entry stays in its queue as DEAD until eviction reaches it, so
// `remove` is O(1) and a queue never names a slot that was reused by another key.
const FREE = 0;
const SMALL = 1;
const MAIN = 2;
const DEAD = 3;

const NOTHING: readonly never[] = Object.freeze([]);

/**
 * TinyUFO: S3-FIFO eviction with TinyLFU admission (Pingora's `tinyufo` crate), weighted.
 *
 * - New entries enter the **small** queue (about 10% of the weight). When the small queue is
 *   over its share, its head is evicted unless it was read more than once since it came in,
 *   in which case it moves to the **main** queue.
 * - The main queue is a FIFO with second chances: a head that was read goes back to the tail
 *   with one use less (uses are capped at 3).
 * - The **ghost** queue remembers the keys recently evicted from the small queue (2% of the
 *   estimated entries by default, `ghostShare`); such a key that is put again goes straight
 *   to the main queue.
 * - **TinyLFU admission**, as in TinyUFO: a count-min sketch of admission frequencies with
 *   periodic aging. When one entry has to go to make room for a new key, the newcomer is
 *   admitted only if its estimated frequency is at least the victim's; otherwise the victim
 *   goes back to the small queue and the newcomer is returned as evicted. (TinyUFO has no
 *   ghost queue, the sketch plays its part; ours is small for that reason, see
 *   `DEFAULTS.ghostShare`.)
 *
 * Reads cost a map lookup and a byte increment; they do not touch the sketch (TinyUFO counts
 * admissions only, so the sketch mostly sees the less popular keys and estimates them well).
 *
 * @example
 * ```ts
 * const cache = new TinyUfo<string, number>({ weightLimit: 100 });
 * cache.put('a', 1);
 * cache.get('a'); // 1
 * const evicted = cache.put('big', 2, 60); // entries that left to make room, if any
 * ```
 */
export class TinyUfo<K, V> {
  /** The total weight the cache holds. */
  readonly weightLimit: number;
  private readonly smallLimit: number;
  private readonly hashKey: (key: K) => number;
  private readonly sketch: FrequencySketch;
  private readonly index = new Map<K, number>();
  private readonly small = new SlotQueue();
  private readonly main = new SlotQueue();
  private readonly ghost: GhostQueue;
  private keys: (K | undefined)[] = [];
  private values: (V | undefined)[] = [];
  private weights: Float64Array;
  private hashes: Int32Array;
  private uses: Uint8Array;
  private states: Uint8Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  /** Removed entries whose slots still sit in a queue. */
  private deadCount = 0;
  private usedSlots = 0;
  /** The array `put` returns when it evicted: its entries are overwritten by each such put. */
  private readonly out: { key: K; value: V; weight: number }[] = [];
  private smallWeight = 0;
  private mainWeight = 0;

  constructor(options: TinyUfoOptions<K>) {
    const resolved = resolveOptions(options);
    this.weightLimit = resolved.weightLimit;
    // TinyUFO: floor(limit x 10%) + 1, so that even a tiny cache has a small queue.
    this.smallLimit = Math.floor(this.weightLimit * DEFAULTS.smallQueueShare) + 1;
    // Every key hash is mixed once, here: the sketch and the ghost take its bits as they are.
    // The default hash is mixed already; a caller's may not be (say, a port number).
    const hashKey = resolved.hashKey;
    this.hashKey =
      hashKey === undefined
        ? (defaultHashKey as (key: K) => number)
        : (key: K): number => mix32(hashKey(key));
    this.sketch = new FrequencySketch(resolved.estimatedSize);
    this.ghost = new GhostQueue(resolved.estimatedSize * resolved.ghostShare);
    const capacity = Math.min(resolved.estimatedSize + 1, 1 << 16);
    this.weights = new Float64Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.uses = new Uint8Array(capacity);
    this.states = new Uint8Array(capacity);
    this.freeSlots = new Int32Array(capacity);
  }

  /** Number of entries. */
  get size(): number {
    return this.index.size;
  }

  /** Total weight of the entries. */
  get weight(): number {
    return this.smallWeight + this.mainWeight;
  }

  /** The value of `key`, counting a use of it; `undefined` when absent. */
  get(key: K): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    const uses = this.uses[slot]!;
    if (uses < DEFAULTS.usesCap) this.uses[slot] = uses + 1;
    return this.values[slot];
  }

  /** The value of `key` without counting a use; `undefined` when absent. */
  peek(key: K): V | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.values[slot];
  }

  /** Whether `key` is cached (does not count a use). */
  has(key: K): boolean {
    return this.index.has(key);
  }

  /**
   * Stores `value` under `key` with `weight` (default 1) and returns the entries that left to
   * make room. A new key competes with the entry that would be evicted for it: when that
   * victim is estimated more popular, the victim stays and the new entry itself is returned.
   * An existing key is updated in place and counts a use. An entry heavier than `weightLimit`
   * is never stored (it is returned at once, and nothing else is evicted for it).
   *
   * The returned array belongs to the cache: empty and shared when nothing was evicted, else
   * one array whose entries the next evicting `put` / `forcePut` overwrites (so that evicting
   * allocates nothing). Read it before the next put, copy what must outlive it, do not modify
   * it. Until overwritten its entries keep the last evicted keys and values reachable.
   */
  put(key: K, value: V, weight = 1): readonly Evicted<K, V>[] {
    return this.admit(key, value, weight, false);
  }

  /**
   * Like {@link TinyUfo.put} but skips the TinyLFU comparison, so the entry is always stored
   * (unless heavier than `weightLimit`). For values that waiting readers expect to find,
   * such as a just-loaded value; TinyUFO measured it at up to 0.5 points of hit ratio less.
   */
  forcePut(key: K, value: V, weight = 1): readonly Evicted<K, V>[] {
    return this.admit(key, value, weight, true);
  }

  /** Removes `key`; returns its value, or `undefined` when it was absent. */
  remove(key: K): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    this.index.delete(key);
    const value = this.values[slot];
    if (this.states[slot] === MAIN) this.mainWeight -= this.weights[slot]!;
    else this.smallWeight -= this.weights[slot]!;
    // The slot stays in its queue until eviction reaches it; drop the references now.
    this.states[slot] = DEAD;
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    // Removals in a cache that never evicts would otherwise pile up dead slots for ever.
    if (++this.deadCount > Math.max(64, this.index.size)) this.dropDead();
    return value;
  }

  /** Removes every entry (the frequency sketch and the ghost queue keep their history). */
  clear(): void {
    this.index.clear();
    this.small.clear();
    this.main.clear();
    this.keys = [];
    this.values = [];
    this.states.fill(FREE);
    this.freeCount = 0;
    this.deadCount = 0;
    this.usedSlots = 0;
    this.smallWeight = 0;
    this.mainWeight = 0;
  }

  private admit(key: K, value: V, weight: number, ignoreLfu: boolean): readonly Evicted<K, V>[] {
    if (!(weight > 0 && weight !== Number.POSITIVE_INFINITY)) {
      throw new RangeError(`tinyufo: weight must be a positive number, got ${weight}`);
    }
    const hash = this.hashKey(key);
    // Only admissions are counted (TinyUFO): reads stay cheap and the sketch follows the keys
    // that compete for space.
    const frequency = this.sketch.increment(hash);
    const slot = this.index.get(key);
    if (slot !== undefined) return this.update(slot, value, weight);
    if (weight > this.weightLimit) return this.result(this.record(0, key, value, weight));
    if (this.smallWeight + this.mainWeight + weight <= this.weightLimit) {
      this.insert(this.allocate(), key, value, weight, hash);
      return NOTHING;
    }
    // Full. The weight limit holds, so the entries weigh something and one can be evicted.
    const victim = this.evictOne();
    if (victim < 0) throw new Error('tinyufo: full with nothing to evict (a bug)');
    if (this.smallWeight + this.mainWeight + weight > this.weightLimit) {
      return this.admitAfterMany(victim, key, value, weight, hash);
    }
    // One victim made the room: TinyLFU admission, as TinyUFO applies it (only then, as the
    // frequencies of several victims of different weights do not compare with one newcomer).
    // The victim is still indexed: when it wins, it just goes back to the small queue.
    if (!ignoreLfu && this.sketch.estimate(this.hashes[victim]!) > frequency) {
      this.requeue(victim);
      return this.result(this.record(0, key, value, weight));
    }
    const n = this.unlink(victim, 0);
    // The newcomer takes the victim's slot.
    this.insert(victim, key, value, weight, hash);
    return this.result(n);
  }

  /** Evicts (after `first`) until `weight` fits, then stores the newcomer: no TinyLFU test. */
  private admitAfterMany(
    first: number,
    key: K,
    value: V,
    weight: number,
    hash: number,
  ): readonly Evicted<K, V>[] {
    let n = this.unlink(first, 0);
    this.release(first);
    n = this.evictMore(n, weight);
    this.insert(this.allocate(), key, value, weight, hash);
    return this.result(n);
  }

  /** Puts a new value under an existing key (counting a use), then evicts to the limit. */
  private update(slot: number, value: V, weight: number): readonly Evicted<K, V>[] {
    const uses = this.uses[slot]!;
    if (uses < DEFAULTS.usesCap) this.uses[slot] = uses + 1;
    const change = weight - this.weights[slot]!;
    if (this.states[slot] === MAIN) this.mainWeight += change;
    else this.smallWeight += change;
    this.weights[slot] = weight;
    this.values[slot] = value;
    if (this.smallWeight + this.mainWeight <= this.weightLimit) return NOTHING;
    // TinyUFO lets the updated entry itself be evicted if the queues reach it first.
    return this.result(this.evictMore(0, 0));
  }

  /**
   * Evicts until `extra` more weight fits, recording the entries in `out` from index `n` on;
   * returns how many are recorded then.
   */
  private evictMore(n: number, extra: number): number {
    while (this.smallWeight + this.mainWeight + extra > this.weightLimit) {
      const slot = this.evictOne();
      if (slot < 0) break;
      n = this.unlink(slot, n);
      this.release(slot);
    }
    return n;
  }

  /** Writes an evicted entry at `out[n]`, reusing the object there; returns `n + 1`. */
  private record(n: number, key: K, value: V, weight: number): number {
    const out = this.out;
    if (n < out.length) {
      const e = out[n]!;
      e.key = key;
      e.value = value;
      e.weight = weight;
    } else out.push({ key, value, weight });
    return n + 1;
  }

  /** What `put` returns when `n` entries were recorded. */
  private result(n: number): readonly Evicted<K, V>[] {
    if (n === 0) return NOTHING;
    const out = this.out;
    if (out.length !== n) out.length = n; // only after a put that evicted a different number
    return out;
  }

  /**
   * Stores a new entry in the free `slot`: in the main queue when its key is a ghost (evicted
   * from the small queue not long ago, S3-FIFO), else in the small queue.
   */
  private insert(slot: number, key: K, value: V, weight: number, hash: number): void {
    this.index.set(key, slot);
    this.keys[slot] = key;
    this.values[slot] = value;
    this.weights[slot] = weight;
    this.hashes[slot] = hash;
    this.uses[slot] = 0;
    if (this.ghost.take(hash)) {
      this.states[slot] = MAIN;
      this.main.push(slot);
      this.mainWeight += weight;
    } else {
      this.states[slot] = SMALL;
      this.small.push(slot);
      this.smallWeight += weight;
    }
  }

  /** A victim that won admission goes back to the small queue as if new (TinyUFO). */
  private requeue(slot: number): void {
    this.uses[slot] = 0;
    this.states[slot] = SMALL;
    this.small.push(slot);
    this.smallWeight += this.weights[slot]!;
  }

  /**
   * The slot to evict next, out of its queue and its queue's weight but still indexed, or -1
   * when both queues are empty.
   */
  private evictOne(): number {
    let slot = -1;
    if (this.smallWeight >= this.smallLimit) slot = this.evictFromSmall();
    // The small queue may have promoted everything it had to main: then evict from main.
    if (slot < 0) slot = this.evictFromMain();
    // Main is empty and small under its share (entries lighter than 1): small it is, unless it
    // promotes all it has, to main again.
    if (slot < 0) slot = this.evictFromSmall();
    if (slot < 0) slot = this.evictFromMain();
    return slot;
  }

  /** S3-FIFO small queue: the head goes to main if it was used more than once, else out. */
  private evictFromSmall(): number {
    const small = this.small;
    while (small.length > 0) {
      const slot = small.pop();
      if (this.states[slot] === DEAD) {
        this.deadCount--;
        this.release(slot);
        continue;
      }
      const weight = this.weights[slot]!;
      this.smallWeight -= weight;
      if (this.uses[slot]! > DEFAULTS.promoteAfterUses) {
        this.states[slot] = MAIN;
        this.main.push(slot);
        this.mainWeight += weight;
        continue;
      }
      return slot;
    }
    return -1;
  }

  /** S3-FIFO main queue: a head that was used goes back with one use less, else out. */
  private evictFromMain(): number {
    const main = this.main;
    while (main.length > 0) {
      const slot = main.pop();
      if (this.states[slot] === DEAD) {
        this.deadCount--;
        this.release(slot);
        continue;
      }
      const uses = this.uses[slot]!;
      if (uses > 0) {
        this.uses[slot] = uses - 1;
        main.push(slot);
        continue;
      }
      this.mainWeight -= this.weights[slot]!;
      return slot;
    }
    return -1;
  }

  /**
   * Drops an evicted slot's entry from the index and records it at `out[n]`; returns `n + 1`.
   * The slot is left to reuse (which overwrites its key and value: not clearing them here made
   * a put that evicts about 4% faster) or release. An entry evicted from the small queue
   * becomes a ghost.
   */
  private unlink(slot: number, n: number): number {
    const key = this.keys[slot] as K;
    if (this.states[slot] === SMALL) this.ghost.remember(this.hashes[slot]!);
    const recorded = this.record(n, key, this.values[slot] as V, this.weights[slot]!);
    this.index.delete(key);
    return recorded;
  }

  /** Takes the slots of removed entries out of both queues and frees them: O(entries). */
  private dropDead(): void {
    const keep = (slot: number): boolean => {
      if (this.states[slot] !== DEAD) return true;
      this.release(slot);
      return false;
    };
    this.small.retain(keep);
    this.main.retain(keep);
    this.deadCount = 0;
  }

  /** Frees a slot, dropping its key and value so that they can be collected. */
  private release(slot: number): void {
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.states[slot] = FREE;
    this.freeSlots[this.freeCount++] = slot;
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.usedSlots === this.states.length) this.grow();
    return this.usedSlots++;
  }

  private grow(): void {
    const capacity = this.states.length * 2;
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.weights = widen(this.weights, new Float64Array(capacity));
    this.hashes = widen(this.hashes, new Int32Array(capacity));
    this.uses = widen(this.uses, new Uint8Array(capacity));
    this.states = widen(this.states, new Uint8Array(capacity));
    this.freeSlots = widen(this.freeSlots, new Int32Array(capacity));
  }
}
