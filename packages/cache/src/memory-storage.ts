import { Lru } from '@pingora-ts/lru';
import { TinyUfo } from '@pingora-ts/tinyufo';
import type { CachedObject, CacheMeta, CacheStorage } from './cache-storage.js';

/** Options of {@link MemoryStorage}; every default is in {@link MEMORY_STORAGE_DEFAULTS}. */
export interface MemoryStorageOptions {
  /** Total bytes held (bodies plus an estimate of the heads). */
  maxBytes?: number;
  /** Largest single object stored, bytes. */
  maxObjectBytes?: number;
  /** Eviction: TinyUFO (admission by frequency, the better hit ratio) or plain LRU. */
  eviction?: 'tinyufo' | 'lru';
}

/** Defaults of {@link MemoryStorageOptions}. */
export const MEMORY_STORAGE_DEFAULTS = {
  maxBytes: 64 * 1024 * 1024,
  maxObjectBytes: 8 * 1024 * 1024,
  eviction: 'tinyufo',
} as const;

/** The weight of an object: its body, its header bytes, and a fixed overhead per entry. */
export function objectWeight(object: CachedObject): number {
  let head = 0;
  const h = object.meta.headers;
  for (let i = 0; i < h.names.length; i++)
    head += (h.names[i]?.length ?? 0) + (h.values[i]?.length ?? 0) + 4;
  return object.body.length + head + 256;
}

/**
 * In-memory storage evicting by bytes: TinyUFO (default) or LRU weighs each object by its
 * size, so the bytes held never exceed `maxBytes`; objects over `maxObjectBytes` are refused.
 */
export class MemoryStorage implements CacheStorage {
  /** Largest body stored, bytes. */
  readonly maxObjectBytes: number;
  private readonly ufo: TinyUfo<string, CachedObject> | undefined;
  private readonly lru: Lru<string, CachedObject> | undefined;
  private bytes = 0;
  /** Objects evicted to make room. */
  evictions = 0;

  constructor(options: MemoryStorageOptions = {}) {
    const maxBytes = options.maxBytes ?? MEMORY_STORAGE_DEFAULTS.maxBytes;
    this.maxObjectBytes = options.maxObjectBytes ?? MEMORY_STORAGE_DEFAULTS.maxObjectBytes;
    if (!(maxBytes > 0) || !(this.maxObjectBytes > 0)) {
      throw new RangeError('maxBytes and maxObjectBytes must be positive');
    }
    if ((options.eviction ?? MEMORY_STORAGE_DEFAULTS.eviction) === 'lru') {
      this.lru = new Lru({ maxWeight: maxBytes, maxCount: Number.MAX_SAFE_INTEGER });
    } else {
      // About how many objects fit, for the frequency sketch: assume 16 KiB on average.
      this.ufo = new TinyUfo({
        weightLimit: maxBytes,
        estimatedSize: Math.max(64, Math.ceil(maxBytes / 16_384)),
      });
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }

  has(key: string): boolean {
    return this.ufo !== undefined ? this.ufo.has(key) : (this.lru?.has(key) ?? false);
  }

  async lookup(key: string): Promise<CachedObject | undefined> {
    return this.ufo !== undefined ? this.ufo.get(key) : this.lru?.get(key);
  }

  async put(key: string, object: CachedObject): Promise<boolean> {
    // A newer response replaces the stored one even when it cannot be stored itself.
    await this.purge(key);
    const weight = objectWeight(object);
    if (object.body.length > this.maxObjectBytes) return false;
    const evicted =
      this.ufo !== undefined
        ? this.ufo.put(key, object, weight)
        : (this.lru?.set(key, object, weight) ?? []);
    this.bytes += weight;
    let isAdmitted = true;
    for (const e of evicted ?? []) {
      this.bytes -= e.weight;
      if (e.key === key)
        isAdmitted = false; // TinyUFO's admission refused the newcomer
      else this.evictions++;
    }
    return isAdmitted;
  }

  async updateMeta(key: string, meta: CacheMeta): Promise<void> {
    const stored = this.ufo !== undefined ? this.ufo.peek(key) : this.lru?.peek(key);
    if (stored === undefined) return;
    await this.put(key, { meta, body: stored.body });
  }

  async purge(key: string): Promise<boolean> {
    const removed = this.ufo !== undefined ? this.ufo.remove(key) : this.lru?.delete(key);
    if (removed === undefined) return false;
    this.bytes -= objectWeight(removed);
    return true;
  }
}
