import type { Deadline } from '@pingora-ts/timeout';
import type { ConnectionMeta, IdleLoss, IdleWatcher, PoolConnection } from './pool-connection.js';
import type { EvictionReason } from './pool-stats.js';

/** Called once when an idle connection is lost (closed, errored, sent bytes, timed out). */
export type LostHandler<C extends PoolConnection> = (
  entry: IdleEntry<C>,
  reason: EvictionReason,
) => void;

/** The meta data of an entry before its first `reuse` (the constructor's, at once). */
const NO_META: ConnectionMeta = Object.freeze({});

/**
 * One idle connection: its place in its key's hot stack and in the global LRU (intrusive
 * links, so removing any entry is O(1)), its idle timer, and the listeners that watch the
 * socket while it is idle (or the owner's {@link IdleWatcher} in their place).
 */
export class IdleEntry<C extends PoolConnection> {
  key = '';
  readonly conn: C;
  meta: ConnectionMeta = NO_META;
  /** The pool clock's time of `put`. */
  idleSince = 0;
  /** `true` while the entry is in the pool; cleared exactly once, by whoever removes it. */
  isIdle = true;
  /** Neighbour put after this one for the same key (towards the top of the stack). */
  newer: IdleEntry<C> | undefined = undefined;
  /** Neighbour put before this one for the same key (towards the bottom). */
  older: IdleEntry<C> | undefined = undefined;
  /** Neighbour put after this one, any key (the global LRU). */
  globalNewer: IdleEntry<C> | undefined = undefined;
  /** Neighbour put before this one, any key (the global LRU). */
  globalOlder: IdleEntry<C> | undefined = undefined;
  /** Cancels the idle timer, when one is armed (timers injected into the pool). */
  cancelTimer: (() => void) | undefined = undefined;
  /**
   * The idle timer on the pool's own wheel, made at the first idle period and moved for each
   * later one (cancelled, not dropped, when the entry leaves the pool).
   */
  deadline: Deadline | undefined = undefined;

  private readonly lost: LostHandler<C>;
  private watcher: IdleWatcher | undefined = undefined;
  // The callbacks are made once per entry, and an entry serves every idle period of its
  // connection (see reuse): none is made per exchange.
  private onReadable: (() => void) | undefined = undefined;
  private onClose: (() => void) | undefined = undefined;
  private onError: (() => void) | undefined = undefined;
  private onReported: ((reason: IdleLoss) => void) | undefined = undefined;
  private onTimeout: (() => void) | undefined = undefined;

  constructor(
    key: string,
    conn: C,
    meta: ConnectionMeta,
    idleSince: number,
    lost: LostHandler<C>,
    watcher?: IdleWatcher,
  ) {
    this.conn = conn;
    this.lost = lost;
    this.reuse(key, meta, idleSince, watcher);
  }

  /**
   * Makes the entry stand for an idle period of its connection: the first, or the next once
   * it left the pool (handed out or evicted, so linked nowhere and watching nothing).
   */
  reuse(
    key: string,
    meta: ConnectionMeta,
    idleSince: number,
    watcher: IdleWatcher | undefined,
  ): void {
    this.key = key;
    this.meta = meta;
    this.idleSince = idleSince;
    this.watcher = watcher;
    this.isIdle = true;
    this.cancelTimer = undefined;
  }

  /** Calls the pool's lost handler with `idle-timeout` (the idle timer's callback). */
  get timeoutHandler(): () => void {
    if (this.onTimeout === undefined) this.onTimeout = () => this.lost(this, 'idle-timeout');
    return this.onTimeout;
  }

  /** Starts watching the idle connection. */
  watch(): void {
    if (this.watcher !== undefined) {
      if (this.onReported === undefined) {
        this.onReported = (reason: IdleLoss) => this.lost(this, reason);
      }
      this.watcher.watch(this.onReported);
      return;
    }
    const conn = this.conn;
    // 'readable' fires for a byte or for EOF (before any 'end', which a stream only emits once
    // its buffer is read, so no 'end' listener is needed): a byte is a protocol violation
    // (nothing was asked), an empty buffer means the peer closed its side. 'close' catches a
    // connection destroyed behind the pool's back; 'error' must be listened to or it would
    // crash the process.
    if (this.onReadable === undefined) {
      this.onReadable = () =>
        this.lost(this, (conn.readableLength ?? 0) > 0 ? 'unexpected-data' : 'remote-close');
      this.onClose = () => this.lost(this, 'remote-close');
      this.onError = () => this.lost(this, 'error');
    }
    conn.on('error', this.onError as () => void);
    conn.on('close', this.onClose as () => void);
    conn.on('readable', this.onReadable);
  }

  /** Stops watching: the connection is handed out or evicted. */
  unwatch(): void {
    if (this.watcher !== undefined) {
      this.watcher.unwatch();
      return;
    }
    const conn = this.conn;
    if (this.onReadable !== undefined) conn.off('readable', this.onReadable);
    if (this.onClose !== undefined) conn.off('close', this.onClose);
    if (this.onError !== undefined) conn.off('error', this.onError);
  }
}

/**
 * Whether a connection can still be handed out: not destroyed, both sides open, and nothing
 * buffered. Returns the reason it cannot, or `undefined` when it can.
 */
export function unusableReason(conn: PoolConnection): EvictionReason | undefined {
  if (conn.destroyed || conn.readableEnded === true || conn.writableEnded === true) {
    return 'remote-close';
  }
  if ((conn.readableLength ?? 0) > 0) return 'unexpected-data';
  return undefined;
}
