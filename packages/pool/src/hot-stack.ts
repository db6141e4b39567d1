import type { IdleEntry } from './idle-entry.js';
import type { PoolConnection } from './pool-connection.js';

/**
 * The idle connections of one peer key, newest on top. Reusing the most recently returned
 * connection first (LIFO) keeps a small set of connections warm — their congestion windows
 * open, their idle timers far away — and lets the rarely used ones at the bottom time out,
 * which is why Pingora's pool pops its per-key hot queue from the back as well.
 * A doubly linked list threaded through the entries, so push, pop and removal of any entry
 * (closed by the peer, timed out, evicted by the global cap) are all O(1).
 */
export class HotStack<C extends PoolConnection> {
  /** Newest entry. */
  top: IdleEntry<C> | undefined = undefined;
  /** Oldest entry. */
  bottom: IdleEntry<C> | undefined = undefined;
  size = 0;

  /** Puts `entry` on top. */
  push(entry: IdleEntry<C>): void {
    entry.older = this.top;
    entry.newer = undefined;
    if (this.top === undefined) this.bottom = entry;
    else this.top.newer = entry;
    this.top = entry;
    this.size++;
  }

  /** Unlinks `entry`, wherever it is. */
  remove(entry: IdleEntry<C>): void {
    const { newer, older } = entry;
    if (newer === undefined) this.top = older;
    else newer.older = older;
    if (older === undefined) this.bottom = newer;
    else older.newer = newer;
    entry.newer = undefined;
    entry.older = undefined;
    this.size--;
  }
}
