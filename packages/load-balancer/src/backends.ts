import type { PingoraError } from '@pingora-ts/error';
import type { Backend } from './backend.js';
import {
  BackendHealth,
  type HealthChangeReason,
  type HealthThresholds,
} from './health/backend-health.js';
import { Listeners } from './listeners.js';

/** What one {@link Backends.update} changed. */
export interface BackendsChange {
  /** The set after the update. */
  readonly backends: readonly Backend[];
  /** Backends that were not in the set before (new addresses, or new weight/metadata). */
  readonly added: readonly Backend[];
  /** Backends that left the set (or were replaced by a new weight/metadata). */
  readonly removed: readonly Backend[];
  /** The set's version after the update. */
  readonly version: number;
}

/** A backend went up or down. */
export interface HealthChangeEvent {
  readonly backend: Backend;
  readonly healthy: boolean;
  readonly reason: HealthChangeReason;
  /** The failure that took it down, for a transition to unhealthy. */
  readonly error: PingoraError | undefined;
}

/**
 * The current set of backends and the health of each. Discovery replaces the whole set at once
 * ({@link Backends.update}): readers always see one consistent snapshot (a frozen array), never
 * a half-applied change. Health survives updates for addresses that stay.
 *
 * @example
 * ```ts
 * const set = new Backends();
 * set.update([Backend.parse('127.0.0.1:8080'), Backend.parse('127.0.0.1:8081', 3)]);
 * set.isHealthy(set.list[0]!); // true: new backends start healthy
 * ```
 */
export class Backends {
  #list: readonly Backend[] = Object.freeze([]);
  #byAddr = new Map<string, Backend>();
  #health = new Map<string, BackendHealth>();
  #version = 0;
  #unhealthyCount = 0;
  readonly #changes = new Listeners<BackendsChange>();
  readonly #healthChanges = new Listeners<HealthChangeEvent>();

  /** The current snapshot, frozen; a later update swaps in a new array. */
  get list(): readonly Backend[] {
    return this.#list;
  }

  /** Increases with every update that changed the set. */
  get version(): number {
    return this.#version;
  }

  /** How many backends of the set are unhealthy (0 lets selection skip health lookups). */
  get unhealthyCount(): number {
    return this.#unhealthyCount;
  }

  /** How many backends the set holds. */
  get size(): number {
    return this.#list.length;
  }

  /**
   * Replaces the set with `next` in one step. Duplicate addresses keep the first entry. A
   * backend equal to one already present (same address, weight and metadata) keeps the old
   * instance, so identity is stable across refreshes. Returns the change, or `undefined` when
   * the set is the same (no version bump, no event).
   */
  update(next: Iterable<Backend>): BackendsChange | undefined {
    const byAddr = new Map<string, Backend>();
    const list: Backend[] = [];
    const added: Backend[] = [];
    for (const candidate of next) {
      if (byAddr.has(candidate.addr)) continue;
      const old = this.#byAddr.get(candidate.addr);
      const kept = old?.equals(candidate) ? old : candidate;
      if (kept !== old) added.push(kept);
      byAddr.set(kept.addr, kept);
      list.push(kept);
    }
    const removed: Backend[] = [];
    for (const old of this.#list) {
      if (byAddr.get(old.addr) !== old) removed.push(old);
    }
    if (added.length === 0 && removed.length === 0 && sameOrder(list, this.#list)) {
      return undefined;
    }
    const health = new Map<string, BackendHealth>();
    let unhealthy = 0;
    for (const backend of list) {
      const state = this.#health.get(backend.addr) ?? new BackendHealth();
      if (!state.healthy) unhealthy++;
      health.set(backend.addr, state);
    }
    this.#unhealthyCount = unhealthy;
    this.#list = Object.freeze(list);
    this.#byAddr = byAddr;
    this.#health = health;
    this.#version++;
    const change: BackendsChange = {
      backends: this.#list,
      added,
      removed,
      version: this.#version,
    };
    this.#changes.emit(change);
    return change;
  }

  /** The backend with address `addr`, if present. */
  get(addr: string): Backend | undefined {
    return this.#byAddr.get(addr);
  }

  /** Whether `backend` (by address) is in the set and healthy. */
  isHealthy(backend: Backend): boolean {
    const health = this.#health.get(backend.addr);
    return health?.healthy === true;
  }

  /** The health record of `backend`, or `undefined` when it is not in the set. */
  health(backend: Backend): Readonly<BackendHealth> | undefined {
    return this.#health.get(backend.addr);
  }

  /** Records an active check's result (`error` undefined for success). */
  recordCheck(
    backend: Backend,
    error: PingoraError | undefined,
    thresholds: HealthThresholds,
    now: number,
  ): void {
    const health = this.#health.get(backend.addr);
    if (health === undefined) return; // removed while the check ran
    this.#announce(backend, health, health.recordCheck(error, thresholds, now));
  }

  /** Records a connect failure the proxy saw; `threshold` in a row take the backend down. */
  recordConnectFailure(backend: Backend, threshold: number, error?: PingoraError): void {
    const health = this.#health.get(backend.addr);
    if (health === undefined) return;
    this.#announce(backend, health, health.recordPassiveFailure(error, threshold));
  }

  /** Records a successful connect: the run of passive failures ends. */
  recordConnectSuccess(backend: Backend): void {
    this.#health.get(backend.addr)?.recordPassiveSuccess();
  }

  /** Forces `backend` up or down (an operator's decision). */
  setHealthy(backend: Backend, healthy: boolean): void {
    const health = this.#health.get(backend.addr);
    if (health === undefined) return;
    this.#announce(backend, health, health.set(healthy));
  }

  /** Calls `listener` after every update that changed the set; returns the unsubscribe. */
  onChange(listener: (change: BackendsChange) => void): () => void {
    return this.#changes.add(listener);
  }

  /** Calls `listener` when a backend goes up or down; returns the unsubscribe. */
  onHealthChange(listener: (event: HealthChangeEvent) => void): () => void {
    return this.#healthChanges.add(listener);
  }

  #announce(backend: Backend, health: BackendHealth, reason: HealthChangeReason | undefined): void {
    if (reason === undefined) return;
    this.#unhealthyCount += health.healthy ? -1 : 1;
    this.#healthChanges.emit({
      backend,
      healthy: health.healthy,
      reason,
      error: health.healthy ? undefined : health.lastError,
    });
  }
}

function sameOrder(a: readonly Backend[], b: readonly Backend[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
