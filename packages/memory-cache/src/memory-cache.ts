import { PingoraError } from '@pingora-ts/error';
import { TinyUfo } from '@pingora-ts/tinyufo';
import type { EntryOptions, Loaded, LoadStatus, Lookup } from './lookup.js';
import {
  checkDuration,
  type MemoryCacheOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { Flight } from './single-flight.js';

interface Entry<V> {
  readonly value: V;
  /** Clock time from which the entry is expired (`Infinity`: never). */
  readonly expiresAt: number;
}

const MISS: Lookup<never> = Object.freeze({ status: 'miss' });
const EXPIRED: Lookup<never> = Object.freeze({ status: 'expired' });
const TIMED_OUT: unique symbol = Symbol('lock timed out');

/**
 * An in-memory value cache on {@link TinyUfo} (Pingora's `pingora-memory-cache`): per-entry
 * TTL on an injected clock, lookups that tell `hit` from `stale`, `expired` and `miss`, and
 * single-flight loading: concurrent `getOrLoad` calls for a missing key run the loader once and
 * all receive its value, or its error.
 *
 * @example
 * ```ts
 * const cache = new MemoryCache<string, string>({ weightLimit: 10_000, defaultTtlMs: 60_000 });
 * const { value, status } = await cache.getOrLoad('user:1', async (key) => fetchUser(key));
 * ```
 */
export class MemoryCache<K, V> {
  private readonly options: ResolvedOptions;
  private readonly store: TinyUfo<K, Entry<V>>;
  private readonly flights = new Map<K, Flight<V>>();

  constructor(options: MemoryCacheOptions) {
    this.options = resolveOptions(options);
    this.store = new TinyUfo<K, Entry<V>>({
      weightLimit: this.options.weightLimit,
      ...(options.estimatedSize === undefined ? {} : { estimatedSize: options.estimatedSize }),
    });
  }

  /** Entries held (expired ones count until a lookup or eviction drops them). */
  get size(): number {
    return this.store.size;
  }

  /** Keys whose load is in progress. */
  get loading(): number {
    return this.flights.size;
  }

  /** Looks `key` up: `hit`, `stale` (with the value), `expired` or `miss`. */
  get(key: K): Lookup<V> {
    const entry = this.store.get(key);
    if (entry === undefined) return MISS;
    const now = this.options.clock();
    if (now < entry.expiresAt) return { status: 'hit', value: entry.value };
    const staleForMs = now - entry.expiresAt;
    if (staleForMs < this.options.staleWindowMs) {
      return { status: 'stale', value: entry.value, staleForMs };
    }
    // Past any use: drop it now rather than let it hold room until eviction.
    this.store.remove(key);
    return EXPIRED;
  }

  /**
   * Stores `value`. The new key must win tinyufo's admission test against the entry it would
   * evict (a key seen for the first time may lose to a popular one); returns whether the value
   * is now cached.
   */
  put(key: K, value: V, options: EntryOptions = {}): boolean {
    return this.admit(key, value, options, false);
  }

  /** Stores `value` without the admission test (unless heavier than the whole cache). */
  forcePut(key: K, value: V, options: EntryOptions = {}): boolean {
    return this.admit(key, value, options, true);
  }

  /** Removes `key`; returns whether it was there. */
  remove(key: K): boolean {
    return this.store.remove(key) !== undefined;
  }

  /**
   * The cached value of `key`, or the loader's. While one caller's load of a key is in
   * progress, further callers for that key wait for it (single flight: one loader call for any
   * number of concurrent misses) and receive its value (`lock-hit`) or its error, rejected
   * with the very reason the loader threw or rejected with. Errors are never cached. A loaded
   * value is stored with `forcePut`, so waiters and later readers find it.
   *
   * A waiter gives up after `lockTimeoutMs`: it rejects with a `PingoraError` of kind
   * `InternalError`, or with `onLockTimeout: 'load'` runs the loader itself. A `stale` entry
   * is reloaded like a miss (serving it while revalidating is the caller's decision, with
   * {@link MemoryCache.get}).
   */
  async getOrLoad(
    key: K,
    loader: (key: K) => V | Promise<V>,
    options: EntryOptions = {},
  ): Promise<Loaded<V>> {
    const found = this.get(key);
    if (found.status === 'hit') return { value: found.value, status: 'hit' };
    const flight = this.flights.get(key);
    if (flight !== undefined) return this.wait(key, flight, loader, options);
    return this.load(key, loader, options, found.status);
  }

  private async load(
    key: K,
    loader: (key: K) => V | Promise<V>,
    options: EntryOptions,
    status: LoadStatus,
  ): Promise<Loaded<V>> {
    const flight = new Flight<V>();
    this.flights.set(key, flight);
    try {
      const value = await loader(key);
      this.admit(key, value, options, true);
      flight.resolve(value);
      return { value, status };
    } catch (error) {
      flight.reject(error);
      throw error;
    } finally {
      // A timed-out waiter with onLockTimeout 'load' never replaces the flight, so this is ours.
      if (this.flights.get(key) === flight) this.flights.delete(key);
    }
  }

  private async wait(
    key: K,
    flight: Flight<V>,
    loader: (key: K) => V | Promise<V>,
    options: EntryOptions,
  ): Promise<Loaded<V>> {
    const { lockTimeoutMs, timers } = this.options;
    if (lockTimeoutMs === Number.POSITIVE_INFINITY) {
      return { value: await flight.promise, status: 'lock-hit' };
    }
    let handle: unknown;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      handle = timers.setTimeout(() => resolve(TIMED_OUT), lockTimeoutMs);
    });
    let outcome: V | typeof TIMED_OUT;
    try {
      outcome = await Promise.race([flight.promise, timeout]);
    } finally {
      timers.clearTimeout(handle);
    }
    if (outcome !== TIMED_OUT) return { value: outcome, status: 'lock-hit' };
    if (this.options.onLockTimeout === 'load') {
      // The first load is stuck: load for ourselves, outside the flight, and store the result.
      const value = await loader(key);
      this.admit(key, value, options, true);
      return { value, status: 'miss' };
    }
    throw PingoraError.explain(
      'InternalError',
      `memory-cache lock timeout: waited ${lockTimeoutMs} ms for another caller's load of the same key`,
    );
  }

  private admit(key: K, value: V, options: EntryOptions, force: boolean): boolean {
    const ttlMs = checkDuration('ttlMs', options.ttlMs ?? this.options.defaultTtlMs);
    const entry: Entry<V> = { value, expiresAt: this.options.clock() + ttlMs };
    const weight = options.weight ?? 1;
    const evicted = force
      ? this.store.forcePut(key, entry, weight)
      : this.store.put(key, entry, weight);
    // The newcomer itself is among the evicted when admission refused it (or it is too heavy).
    for (const gone of evicted) if (gone.value === entry) return false;
    return true;
  }
}
