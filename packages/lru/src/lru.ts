/** Limits and callbacks of an {@link Lru}; every default is in {@link LRU_DEFAULTS}. */
export interface LruOptions<K, V> {
  /** Most entries kept. */
  maxCount?: number;
  /** Most total weight kept (for example bytes). */
  maxWeight?: number;
  /** Slots allocated up front (grown by doubling up to `maxCount`). */
  initialCapacity?: number;
  /** Called for every entry evicted to stay within the limits (not for `delete` or `clear`). */
  onEvict?: (key: K, value: V, weight: number) => void;
}

/** Defaults of {@link LruOptions}. */
export const LRU_DEFAULTS = {
  maxCount: Number.POSITIVE_INFINITY,
  maxWeight: Number.POSITIVE_INFINITY,
  initialCapacity: 1024,
} as const;

/** An entry that left the cache to make room, or that was too heavy to be stored. */
export interface Evicted<K, V> {
  key: K;
  value: V;
  weight: number;
}

/** Counters of an {@link Lru}. */
export interface LruStats {
  hits: number;
  misses: number;
  evictions: number;
  /** Entries now. */
  count: number;
  /** Total weight now. */
  weight: number;
}

const NIL = -1;

/**
 * A weighted LRU cache: at most `maxCount` entries and at most `maxWeight` total weight, the
 * least recently used evicted first. Every operation is O(1). Entries live in parallel arrays
 * indexed by slot (keys, values, weights, and `Int32Array` links), with a free list of slots,
 * so that a steady-state cache allocates nothing per `get` or `set`; a `Map` finds a key's slot.
 *
 * @example
 * ```ts
 * const cache = new Lru<string, Buffer>({ maxCount: 10_000, maxWeight: 64 * 1024 * 1024 });
 * cache.set('/index.html', body, body.length);
 * cache.get('/index.html'); // body, now the most recently used
 * ```
 */
export class Lru<K, V> {
  private readonly index = new Map<K, number>();
  private keyAt: (K | undefined)[];
  private valueAt: (V | undefined)[];
  private weightAt: Float64Array;
  private prev: Int32Array;
  private next: Int32Array;
  private free: Int32Array;
  private freeTop = 0;
  private used = 0;
  private capacity: number;
  private head = NIL; // most recently used
  private tail = NIL; // least recently used
  private total = 0;
  private maxCount: number;
  private maxWeight: number;
  private readonly onEvict: ((key: K, value: V, weight: number) => void) | undefined;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private evictedNow = 0;
  /** The array `set` returns: its entries are overwritten by each evicting `set`. */
  private readonly out: Evicted<K, V>[] = [];

  constructor(options: LruOptions<K, V> = {}) {
    this.maxCount = options.maxCount ?? LRU_DEFAULTS.maxCount;
    this.maxWeight = options.maxWeight ?? LRU_DEFAULTS.maxWeight;
    checkLimit('maxCount', this.maxCount);
    checkLimit('maxWeight', this.maxWeight);
    if (this.maxCount < 1)
      throw new RangeError(`Lru maxCount must be at least 1, got ${this.maxCount}`);
    this.onEvict = options.onEvict;
    const initial = Math.max(
      1,
      Math.min(options.initialCapacity ?? LRU_DEFAULTS.initialCapacity, this.maxCount),
    );
    this.capacity = initial;
    this.keyAt = new Array<K | undefined>(initial).fill(undefined);
    this.valueAt = new Array<V | undefined>(initial).fill(undefined);
    this.weightAt = new Float64Array(initial);
    this.prev = new Int32Array(initial);
    this.next = new Int32Array(initial);
    this.free = new Int32Array(initial);
  }

  /** Number of entries. */
  get size(): number {
    return this.index.size;
  }

  /** Total weight of the entries. */
  get weight(): number {
    return this.total;
  }

  /** The value of `key`, which becomes the most recently used; `undefined` on a miss. */
  get(key: K): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (slot !== this.head) this.moveToHead(slot);
    return this.valueAt[slot];
  }

  /** The value of `key` without touching its recency or the statistics. */
  peek(key: K): V | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.valueAt[slot];
  }

  /** True when `key` is cached (recency unchanged). */
  has(key: K): boolean {
    return this.index.has(key);
  }

  /** Makes `key` the most recently used; false when it is not cached. */
  promote(key: K): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    if (slot !== this.head) this.moveToHead(slot);
    return true;
  }

  /**
   * Stores `value` under `key` as the most recently used entry, then evicts the least recently
   * used entries until the limits hold. Returns what it evicted, or `undefined` when nothing
   * was. An entry heavier than `maxWeight` is not stored: it comes back in the evicted list
   * (after the old value of `key`, if there was one, which is removed).
   *
   * The returned array and its entries belong to the cache and are reused by its next evicting
   * `set` (so that evicting allocates nothing): read them before the next `set`, and copy what
   * must outlive it (`[...evicted]` keeps the array, `{ ...e }` an entry). The reused entries
   * keep the last evicted keys and values reachable until later evictions overwrite them.
   */
  set(key: K, value: V, weight = 1): readonly Evicted<K, V>[] | undefined {
    this.evictedNow = 0;
    this.store(key, value, weight, true);
    const n = this.evictedNow;
    if (n === 0) return undefined;
    const out = this.out;
    if (out.length !== n) out.length = n; // only after a set that evicted a different number
    return out;
  }

  /**
   * Like {@link Lru.set}, but returns only how many entries it evicted (they still reach
   * `onEvict`), allocating nothing: for hot paths that do not look at what left.
   */
  put(key: K, value: V, weight = 1): number {
    this.evictedNow = 0;
    this.store(key, value, weight, false);
    return this.evictedNow;
  }

  private store(key: K, value: V, weight: number, collect: boolean): void {
    if (!(weight >= 0)) throw new RangeError(`Lru weight must be >= 0, got ${weight}`);
    let slot = this.index.get(key);
    if (weight > this.maxWeight) {
      if (slot !== undefined) {
        const oldValue = this.valueAt[slot] as V;
        const oldWeight = this.weightAt[slot]!;
        this.removeSlot(slot);
        this.evicted(key, oldValue, oldWeight, collect, this.onEvict);
      }
      this.evicted(key, value, weight, collect, this.onEvict);
      return;
    }
    if (slot !== undefined) {
      this.total += weight - this.weightAt[slot]!;
      this.valueAt[slot] = value;
      this.weightAt[slot] = weight;
      if (slot !== this.head) this.moveToHead(slot);
    } else if (this.index.size >= this.maxCount && this.tail !== NIL) {
      // Full by count: the new entry takes the least recently used one's slot, in one step.
      slot = this.tail;
      const oldKey = this.keyAt[slot] as K;
      const oldValue = this.valueAt[slot] as V;
      const oldWeight = this.weightAt[slot]!;
      this.index.delete(oldKey);
      this.total += weight - oldWeight;
      this.keyAt[slot] = key;
      this.valueAt[slot] = value;
      this.weightAt[slot] = weight;
      this.index.set(key, slot);
      if (slot !== this.head) this.moveToHead(slot);
      this.evicted(oldKey, oldValue, oldWeight, collect, this.onEvict);
    } else {
      slot = this.allocate();
      this.keyAt[slot] = key;
      this.valueAt[slot] = value;
      this.weightAt[slot] = weight;
      this.total += weight;
      this.index.set(key, slot);
      this.linkHead(slot);
    }
    if (this.index.size > this.maxCount || this.total > this.maxWeight) {
      this.shrink(collect, this.onEvict);
    }
  }

  /** Counts an eviction, adds it to the reused result of `set` when collecting, tells `onEvict`. */
  private evicted(
    key: K,
    value: V,
    weight: number,
    collect: boolean,
    onEvict: ((key: K, value: V, weight: number) => void) | undefined,
  ): void {
    this.evictions++;
    const n = this.evictedNow++;
    if (collect) {
      const out = this.out;
      if (n < out.length) {
        const e = out[n]!;
        e.key = key;
        e.value = value;
        e.weight = weight;
      } else out.push({ key, value, weight });
    }
    onEvict?.(key, value, weight);
  }

  /** Removes `key`; returns its value, or `undefined` when it was not cached. */
  delete(key: K): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    const value = this.valueAt[slot];
    this.removeSlot(slot);
    return value;
  }

  /**
   * Changes the limits (omitted ones stay) and evicts the least recently used entries until
   * they hold, calling `onEvict` (this call's, else the cache's) for each. Returns how many
   * were evicted.
   */
  evictToLimit(
    limits: { maxCount?: number; maxWeight?: number } = {},
    onEvict?: (key: K, value: V, weight: number) => void,
  ): number {
    if (limits.maxCount !== undefined) {
      checkLimit('maxCount', limits.maxCount);
      this.maxCount = limits.maxCount;
    }
    if (limits.maxWeight !== undefined) {
      checkLimit('maxWeight', limits.maxWeight);
      this.maxWeight = limits.maxWeight;
    }
    this.evictedNow = 0;
    this.shrink(false, onEvict ?? this.onEvict);
    return this.evictedNow;
  }

  /** Removes every entry (no eviction callbacks). Statistics are kept. */
  clear(): void {
    this.index.clear();
    this.keyAt.fill(undefined);
    this.valueAt.fill(undefined);
    this.head = this.tail = NIL;
    this.freeTop = 0;
    this.used = 0;
    this.total = 0;
  }

  /** Counters and current size. */
  stats(): LruStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      count: this.index.size,
      weight: this.total,
    };
  }

  /** `[key, value]` pairs from the most to the least recently used. */
  *entries(): IterableIterator<[K, V]> {
    for (let slot = this.head; slot !== NIL; slot = this.next[slot]!) {
      yield [this.keyAt[slot] as K, this.valueAt[slot] as V];
    }
  }

  /** Keys from the most to the least recently used. */
  *keys(): IterableIterator<K> {
    for (let slot = this.head; slot !== NIL; slot = this.next[slot]!) yield this.keyAt[slot] as K;
  }

  /** Values from the most to the least recently used. */
  *values(): IterableIterator<V> {
    for (let slot = this.head; slot !== NIL; slot = this.next[slot]!) yield this.valueAt[slot] as V;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  private shrink(
    collect: boolean,
    onEvict: ((key: K, value: V, weight: number) => void) | undefined,
  ): void {
    while (this.tail !== NIL && (this.index.size > this.maxCount || this.total > this.maxWeight)) {
      const slot = this.tail;
      const key = this.keyAt[slot] as K;
      const value = this.valueAt[slot] as V;
      const weight = this.weightAt[slot]!;
      this.removeSlot(slot);
      this.evicted(key, value, weight, collect, onEvict);
    }
  }

  private allocate(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop]!;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  private grow(): void {
    const size = Math.min(this.capacity * 2, Math.max(this.maxCount, this.capacity + 1));
    const copy = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.prev = copy(this.prev, new Int32Array(size));
    this.next = copy(this.next, new Int32Array(size));
    this.free = copy(this.free, new Int32Array(size));
    this.weightAt = copy(this.weightAt, new Float64Array(size));
    // Filled, not lengthened: keeps the arrays packed (no holes) for fast element access.
    for (let i = this.capacity; i < size; i++) {
      this.keyAt.push(undefined);
      this.valueAt.push(undefined);
    }
    this.capacity = size;
  }

  private removeSlot(slot: number): void {
    this.index.delete(this.keyAt[slot] as K);
    this.unlink(slot);
    this.total -= this.weightAt[slot]!;
    this.keyAt[slot] = undefined;
    this.valueAt[slot] = undefined;
    this.free[this.freeTop++] = slot;
  }

  private linkHead(slot: number): void {
    this.prev[slot] = NIL;
    this.next[slot] = this.head;
    if (this.head !== NIL) this.prev[this.head] = slot;
    else this.tail = slot;
    this.head = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p !== NIL) this.next[p] = n;
    else this.head = n;
    if (n !== NIL) this.prev[n] = p;
    else this.tail = p;
  }

  private moveToHead(slot: number): void {
    // slot is not the head, so it has a predecessor.
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    this.next[p] = n;
    if (n !== NIL) this.prev[n] = p;
    else this.tail = p;
    this.prev[slot] = NIL;
    this.next[slot] = this.head;
    this.prev[this.head] = slot;
    this.head = slot;
  }
}

function checkLimit(name: string, value: number): void {
  if (!(value >= 0)) throw new RangeError(`Lru ${name} must be a number >= 0, got ${value}`);
}
