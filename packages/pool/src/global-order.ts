import type { IdleEntry } from './idle-entry.js';
import type { PoolConnection } from './pool-connection.js';

/**
 * The global LRU over all idle connections of all keys, by connection id. An idle entry is
 * never touched in place (`take` removes it, `put` adds it back as the newest), so a Map's
 * insertion order is exactly least-recently-returned first, and add, remove and evict-oldest
 * are O(1). Meant to move onto `@pingora-ts/lru` (its count limit and eviction callback) once
 * that package exports its API; this class is the only place that would change.
 */
export class GlobalOrder<C extends PoolConnection> {
  private readonly entries = new Map<number, IdleEntry<C>>();
  private readonly capacity: number;
  private readonly onEvict: (entry: IdleEntry<C>) => void;

  constructor(capacity: number, onEvict: (entry: IdleEntry<C>) => void) {
    this.capacity = capacity;
    this.onEvict = onEvict;
  }

  /** Adds `entry` as the most recent; evicts the least recent ones beyond the capacity. */
  add(entry: IdleEntry<C>): void {
    this.entries.set(entry.id, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.values().next().value as IdleEntry<C>;
      this.entries.delete(oldest.id);
      this.onEvict(oldest);
    }
  }

  /** Removes `entry` without calling the eviction callback. */
  remove(entry: IdleEntry<C>): void {
    this.entries.delete(entry.id);
  }
}
