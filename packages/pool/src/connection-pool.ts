import { PingoraError } from '@pingora-ts/error';
import { GlobalOrder } from './global-order.js';
import { HotStack } from './hot-stack.js';
import { IdleEntry, type LostHandler, unusableReason } from './idle-entry.js';
import { defaultPoolTimers, type OwnedPoolTimers, type PoolTimers } from './idle-timers.js';
import type {
  ConnectionMeta,
  IdleWatcher,
  PoolConnection,
  TakenConnection,
} from './pool-connection.js';
import { checkIdleTimeout, type PoolOptions, resolvePoolOptions } from './pool-options.js';
import { type EvictionReason, PoolCounters, type PoolStats } from './pool-stats.js';

/** Empty hot stacks kept beyond twice the keys with idle connections before a sweep. */
const EMPTY_STACKS = 1024;

/** Swallows the error a destroyed connection may still emit, so it cannot crash the process. */
function ignoreError(): void {}

function destroyQuietly(conn: PoolConnection): void {
  conn.on('error', ignoreError);
  conn.destroy();
}

/**
 * A pool of idle upstream connections keyed by peer (see {@link peerKey}).
 *
 * - Per key, a LIFO hot stack: `take` hands out the most recently returned connection.
 * - Caps: `maxIdlePerKey` per key (the key's oldest goes) and `maxIdle` across keys (the least
 *   recently returned connection of any key goes, through a global LRU).
 * - Each idle connection has an idle timeout, after which it is closed.
 * - While idle, a connection is watched: if the peer closes it, it errors, or a byte arrives,
 *   it is closed and dropped at once, so it is never handed out.
 * - The pool owns what it holds: evicted connections are destroyed; `close()` destroys all.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool<net.Socket>({ maxIdle: 64, idleTimeoutMs: 30_000 });
 * const key = peerKey({ host: '127.0.0.1', port: 8080, protocol: 'http/1.1' });
 * const reused = pool.take(key);
 * const socket = reused?.conn ?? net.connect(8080, '127.0.0.1');
 * // ... one request/response later, with the response fully read:
 * pool.put(key, socket, reused?.meta);
 * ```
 */
export class ConnectionPool<C extends PoolConnection = PoolConnection> {
  private readonly maxIdle: number;
  private readonly maxIdlePerKey: number;
  private readonly idleTimeoutMs: number;
  /**
   * Hot stacks by key. A stack that empties stays (a map entry deleted and added back with
   * every exchange would rehash the map and promote its tables to the old generation); empty
   * ones are swept when they outnumber the keys with idle connections by {@link EMPTY_STACKS}.
   */
  private readonly stacks = new Map<string, HotStack<C>>();
  /** Keys whose stack holds at least one idle connection. */
  private keysWithIdle = 0;
  /**
   * The latest entry of each connection ever put (kept while the connection lives, not deleted
   * on `take`), to refuse a second `put` of one already idle without a map entry per exchange.
   */
  private readonly entries = new WeakMap<C, IdleEntry<C>>();
  private readonly order: GlobalOrder<C>;
  private readonly timers: PoolTimers;
  /** The default timers, which the pool made and so closes; `undefined` when injected. */
  private readonly ownTimers: OwnedPoolTimers | undefined;
  private readonly counters = new PoolCounters();
  private readonly lost: LostHandler<C>;
  private isClosed = false;

  /**
   * @param options - caps and idle timeout, see {@link POOL_DEFAULTS}.
   * @param timers - clock and idle timers; by default ones the pool makes and owns. Injected
   *   timers stay the caller's (the pool cancels its own deadlines on `close()`, nothing more).
   */
  constructor(options: PoolOptions = {}, timers?: PoolTimers) {
    const resolved = resolvePoolOptions(options);
    this.maxIdle = resolved.maxIdle;
    this.maxIdlePerKey = resolved.maxIdlePerKey;
    this.idleTimeoutMs = resolved.idleTimeoutMs;
    this.ownTimers = timers === undefined ? defaultPoolTimers() : undefined;
    this.timers = timers ?? this.ownTimers!;
    this.lost = (entry, reason) => this.discard(entry, reason, true);
    this.order = new GlobalOrder<C>(this.maxIdle, (entry) =>
      this.discard(entry, 'global-cap', false),
    );
  }

  /**
   * Hands out the most recently returned idle connection of `key`, or `undefined` (a miss).
   * Connections found closed or with buffered bytes on the way are evicted, never returned.
   * The pool's listeners are removed: the caller owns the connection now.
   */
  take(key: string): TakenConnection<C> | undefined {
    const entry = this.takeEntry(key);
    if (entry === undefined) return undefined;
    return {
      conn: entry.conn,
      meta: { ...entry.meta, reuseCount: (entry.meta.reuseCount ?? 0) + 1 },
      idleMs: this.timers.now() - entry.idleSince,
    };
  }

  /**
   * {@link ConnectionPool.take} for a caller that needs the connection only: the same choice and
   * checks, without the copy of its meta data, the idle time (a clock read) and the wrapper.
   */
  takeConnection(key: string): C | undefined {
    return this.takeEntry(key)?.conn;
  }

  /** Removes and returns the entry `take` hands out (counting the hit or the miss). */
  private takeEntry(key: string): IdleEntry<C> | undefined {
    const stack = this.stacks.get(key);
    if (stack !== undefined) {
      let entry = stack.top;
      while (entry !== undefined) {
        const bad = unusableReason(entry.conn);
        if (bad === undefined) {
          this.release(entry, stack);
          this.counters.hits++;
          return entry;
        }
        this.discard(entry, bad, true);
        entry = stack.top;
      }
    }
    this.counters.misses++;
    return undefined;
  }

  /**
   * Returns `conn` to the pool under `key`; the pool owns it from now on. Returns `true` when
   * it is kept idle, `false` when it was refused and destroyed: the pool is closed, a cap is 0,
   * or the connection is closed or has unread bytes (a reused connection must start clean).
   * Throws a `PingoraError` (InternalError) if `conn` is already idle in the pool: handing it out
   * twice would interleave two requests on one connection.
   *
   * @param watcher - watches the idle connection in place of the pool's listeners (see
   *   {@link IdleWatcher}); by default the pool listens itself.
   */
  put(key: string, conn: C, meta: ConnectionMeta = {}, watcher?: IdleWatcher): boolean {
    const previous = this.entries.get(conn);
    if (previous?.isIdle === true) {
      throw PingoraError.explain(
        'InternalError',
        `pool put: connection is already idle (key ${key})`,
      );
    }
    const timeoutMs =
      meta.idleTimeoutMs === undefined
        ? this.idleTimeoutMs
        : checkIdleTimeout('meta.idleTimeoutMs', meta.idleTimeoutMs);
    if (this.isClosed) {
      this.counters.evictions.explicit++;
      destroyQuietly(conn);
      return false;
    }
    const bad = unusableReason(conn);
    const refusal: EvictionReason | undefined =
      bad ??
      (this.maxIdlePerKey === 0 ? 'per-key-cap' : this.maxIdle === 0 ? 'global-cap' : undefined);
    if (refusal !== undefined) {
      this.counters.evictions[refusal]++;
      destroyQuietly(conn);
      return false;
    }

    // The entry of the connection's last idle period serves again: it left every structure
    // when it left the pool, and its callbacks are made already.
    let entry: IdleEntry<C>;
    if (previous === undefined) {
      entry = new IdleEntry(key, conn, meta, this.timers.now(), this.lost, watcher);
      this.entries.set(conn, entry);
    } else {
      entry = previous;
      entry.reuse(key, meta, this.timers.now(), watcher);
    }
    let stack = this.stacks.get(key);
    if (stack === undefined) {
      if (this.stacks.size >= 2 * this.keysWithIdle + EMPTY_STACKS) this.sweepEmptyStacks();
      stack = new HotStack<C>();
      this.stacks.set(key, stack);
    }
    if (stack.size === 0) this.keysWithIdle++;
    stack.push(entry);
    this.counters.puts++;
    // Per key first: when this key is full its own oldest goes, not another peer's.
    if (stack.size > this.maxIdlePerKey) this.discard(stack.bottom!, 'per-key-cap', true);
    this.order.add(entry);
    // Watched once it is in every structure: a watcher may report the connection lost at once.
    entry.watch();
    if (timeoutMs > 0 && timeoutMs !== Number.POSITIVE_INFINITY && entry.isIdle) {
      const wheel = this.ownTimers?.wheel;
      if (wheel === undefined) {
        entry.cancelTimer = this.timers.schedule(timeoutMs, entry.timeoutHandler);
      } else if (entry.deadline === undefined) {
        entry.deadline = wheel.deadline(timeoutMs, entry.timeoutHandler);
      } else {
        entry.deadline.reset(timeoutMs);
      }
    }
    return entry.isIdle;
  }

  /** Closes every idle connection of `key` (reason `explicit`); returns how many. */
  evict(key: string): number {
    const stack = this.stacks.get(key);
    let evicted = 0;
    while (stack?.top !== undefined) {
      this.discard(stack.top, 'explicit', true);
      evicted++;
    }
    return evicted;
  }

  /** Idle connections of `key` now, or of all keys without one. */
  idleCount(key?: string): number {
    if (key === undefined) return this.order.size;
    return this.stacks.get(key)?.size ?? 0;
  }

  /** A snapshot of the counters. */
  stats(): PoolStats {
    return this.counters.snapshot(this.order.size, this.keysWithIdle);
  }

  /** Whether {@link ConnectionPool.close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Destroys every idle connection (reason `explicit`) and stops the idle timers. Later
   * `put`s destroy their connection; `take` misses. Idempotent.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const entry of this.order.entries()) this.discard(entry, 'explicit', true);
    this.ownTimers?.close();
  }

  /** Takes `entry` out of every structure; `true` if it was still idle. */
  private unlink(entry: IdleEntry<C>, stack: HotStack<C>, inOrder: boolean): void {
    entry.isIdle = false;
    entry.unwatch();
    stack.remove(entry);
    if (stack.size === 0) this.keysWithIdle--;
    if (inOrder) this.order.remove(entry);
    entry.deadline?.cancel();
    const cancel = entry.cancelTimer;
    if (cancel !== undefined) {
      entry.cancelTimer = undefined;
      cancel();
    }
  }

  /** Drops the stacks of keys without idle connections. */
  private sweepEmptyStacks(): void {
    for (const [key, stack] of this.stacks) if (stack.size === 0) this.stacks.delete(key);
  }

  /** Hands `entry` out. */
  private release(entry: IdleEntry<C>, stack: HotStack<C>): void {
    this.unlink(entry, stack, true);
  }

  /** Evicts `entry` once, whoever asks first, and destroys its connection. */
  private discard(entry: IdleEntry<C>, reason: EvictionReason, inOrder: boolean): void {
    if (!entry.isIdle) return;
    const stack = this.stacks.get(entry.key)!;
    this.unlink(entry, stack, inOrder);
    this.counters.evictions[reason]++;
    destroyQuietly(entry.conn);
  }
}
