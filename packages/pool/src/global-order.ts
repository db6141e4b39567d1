import type { IdleEntry } from './idle-entry.js';
import type { PoolConnection } from './pool-connection.js';

/**
 * The global LRU over all idle connections of all keys. PROVISIONAL (a Map in insertion
 * order) until @pingora-ts/lru lands.
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
