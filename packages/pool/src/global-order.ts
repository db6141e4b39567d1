import { Lru } from '@pingora-ts/lru';
import type { IdleEntry } from './idle-entry.js';
import type { PoolConnection } from './pool-connection.js';

/**
 * The global LRU over all idle connections of all keys, by connection id, on
 * `@pingora-ts/lru`: an idle entry is never touched in place (`take` removes it, `put` adds it
 * back as the newest), so the least recently returned connection is the one evicted when the
 * global cap is reached. Add, remove and evict-oldest are O(1).
 */
export class GlobalOrder<C extends PoolConnection> {
  private readonly entries: Lru<number, IdleEntry<C>>;

  constructor(capacity: number, onEvict: (entry: IdleEntry<C>) => void) {
    // A cap of 0 never reaches here with an entry (put refuses first); Lru needs at least 1.
    this.entries = new Lru<number, IdleEntry<C>>({
      maxCount: Math.max(1, capacity),
      onEvict: (_id, entry) => onEvict(entry),
    });
  }

  /** Adds `entry` as the most recent; evicts the least recent ones beyond the capacity. */
  add(entry: IdleEntry<C>): void {
    this.entries.put(entry.id, entry);
  }

  /** Removes `entry` without calling the eviction callback. */
  remove(entry: IdleEntry<C>): void {
    this.entries.delete(entry.id);
  }
}
