import type { EvictionReason } from './pool-stats.js';

/** The events the pool watches on an idle connection. */
export type WatchedEvent = 'readable' | 'close' | 'error';

/**
 * What the pool needs of a connection: a `node:net` `Socket` or `node:tls` `TLSSocket` fits as
 * is. The pool watches `'readable'` (not `'data'`) while a connection is idle: a `'readable'`
 * listener keeps any byte that arrives in the socket's buffer instead of flowing it away, works
 * on an explicitly paused socket too, and when it is removed on `take` the socket returns to its
 * initial state, so the next owner's `'data'` listener starts the flow as on a fresh socket.
 */
export interface PoolConnection {
  /** `true` once the connection is destroyed; such a connection is never handed out. */
  readonly destroyed: boolean;
  /** Bytes buffered for reading; any while idle are unexpected (a reused connection must start clean). */
  readonly readableLength?: number;
  /** `true` once the read side has ended (the peer sent FIN). */
  readonly readableEnded?: boolean;
  /** `true` once our write side has ended. */
  readonly writableEnded?: boolean;
  /** Adds a listener (EventEmitter `on`). */
  on(event: WatchedEvent, listener: (error?: Error) => void): unknown;
  /** Removes a listener (EventEmitter `off`). */
  off(event: WatchedEvent, listener: (error?: Error) => void): unknown;
  /** Closes the connection at once. */
  destroy(): unknown;
}

/**
 * What the caller tells the pool about a connection it returns. All fields are optional and
 * carried through to the next {@link ConnectionPool.take} of the connection.
 */
export interface ConnectionMeta {
  /** Idle timeout of this connection in ms, overriding the pool's `idleTimeoutMs`. `0` or `Infinity`: none. */
  readonly idleTimeoutMs?: number;
  /** When the connection was established (the pool's clock, ms). */
  readonly createdAt?: number;
  /** How many times the connection has been reused so far (the pool adds one on each `take`). */
  readonly reuseCount?: number;
}

/** What {@link ConnectionPool.take} hands out. */
export interface TakenConnection<C extends PoolConnection> {
  /** The connection, with the pool's listeners removed: the caller owns it now. */
  readonly conn: C;
  /** The meta given on `put`, with `reuseCount` incremented for this reuse. */
  readonly meta: ConnectionMeta & { readonly reuseCount: number };
  /** How long the connection sat idle, in ms of the pool's clock. */
  readonly idleMs: number;
}

/** How an {@link IdleWatcher} reports an idle connection lost. */
export type IdleLoss = Extract<EvictionReason, 'remote-close' | 'unexpected-data' | 'error'>;

/**
 * An owner that listens to its connection anyway can watch it while it sits idle, in place of
 * the pool's own listeners (pass it to {@link ConnectionPool.put}): adding and removing three
 * listeners on every put and take costs more than noticing the same events in listeners that
 * stay on the connection.
 */
export interface IdleWatcher {
  /**
   * From now until `unwatch()`, calls `lost` once when the connection closes, errors or
   * receives a byte. May call it at once, when the connection is already lost.
   */
  watch(lost: (reason: IdleLoss) => void): void;
  /** Stops watching: the connection is handed out or evicted. */
  unwatch(): void;
}
