import type { Backend } from './backend.js';

/** One backend's count of requests in flight; selections hold these by index. */
export interface InFlightSlot {
  count: number;
}

/**
 * Requests in flight per backend address, for the least-in-flight and power-of-two-choices
 * algorithms. The proxy calls {@link InFlight.begin} when it sends a request to a backend and
 * {@link InFlight.end} when the exchange is over. Counts live here, keyed by address, so they
 * survive discovery updates that rebuild the selection.
 */
export class InFlight {
  readonly #slots = new Map<string, InFlightSlot>();

  /** The counter of `addr`, created at zero on first use. */
  slot(addr: string): InFlightSlot {
    let slot = this.#slots.get(addr);
    if (slot === undefined) {
      slot = { count: 0 };
      this.#slots.set(addr, slot);
    }
    return slot;
  }

  /** A request to `backend` started. */
  begin(backend: Backend): void {
    this.slot(backend.addr).count++;
  }

  /** A request to `backend` ended; never goes below zero. */
  end(backend: Backend): void {
    const slot = this.#slots.get(backend.addr);
    if (slot !== undefined && slot.count > 0) slot.count--;
  }

  /** Requests in flight to `backend`. */
  count(backend: Backend): number {
    return this.#slots.get(backend.addr)?.count ?? 0;
  }

  /** Forgets idle counters of addresses not in `keep` (backends that discovery removed). */
  prune(keep: ReadonlySet<string>): void {
    for (const [addr, slot] of this.#slots) {
      if (slot.count === 0 && !keep.has(addr)) this.#slots.delete(addr);
    }
  }
}
