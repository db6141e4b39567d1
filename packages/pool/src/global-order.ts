import type { IdleEntry } from './idle-entry.js';
import type { PoolConnection } from './pool-connection.js';

/**
 * The global LRU over all idle connections of all keys: a doubly linked list threaded through
 * the entries, newest first. An idle entry is never touched in place (`take` removes it, `put`
 * adds it back as the newest), so the least recently returned connection is the one evicted
 * when the global cap is reached. Add, remove and evict-oldest are O(1) and allocate nothing,
 * where a map keyed by entry would rehash (and its tables outlive a young-generation GC) as
 * entries come and go with every exchange.
 */
export class GlobalOrder<C extends PoolConnection> {
  /** Most recently added entry. */
  private newest: IdleEntry<C> | undefined = undefined;
  /** Least recently added entry: the next to evict. */
  private oldest: IdleEntry<C> | undefined = undefined;
  /** Entries in the list. */
  size = 0;

  constructor(
    private readonly capacity: number,
    private readonly onEvict: (entry: IdleEntry<C>) => void,
  ) {}

  /** Adds `entry` as the most recent; evicts the least recent ones beyond the capacity. */
  add(entry: IdleEntry<C>): void {
    entry.globalOlder = this.newest;
    entry.globalNewer = undefined;
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.globalNewer = entry;
    this.newest = entry;
    this.size++;
    while (this.size > this.capacity) {
      const victim = this.oldest!;
      this.remove(victim);
      this.onEvict(victim);
    }
  }

  /** Removes `entry` without calling the eviction callback. */
  remove(entry: IdleEntry<C>): void {
    const { globalNewer: newer, globalOlder: older } = entry;
    if (newer === undefined) this.newest = older;
    else newer.globalOlder = older;
    if (older === undefined) this.oldest = newer;
    else older.globalNewer = newer;
    entry.globalNewer = undefined;
    entry.globalOlder = undefined;
    this.size--;
  }

  /** Every entry, newest first (a copy: the caller may remove entries while going through). */
  entries(): IdleEntry<C>[] {
    const all: IdleEntry<C>[] = [];
    for (let e = this.newest; e !== undefined; e = e.globalOlder) all.push(e);
    return all;
  }
}
