import type { Socket } from 'node:net';
import type { ConnectionContext, ListenerInfo } from './application.js';

/** How a drain ended. */
export interface DrainResult {
  /** Idle keep-alive connections the server closed. */
  readonly closedIdle: number;
  /** Connections still open when the grace period ran out, destroyed. */
  readonly destroyed: number;
}

/** One accepted connection and its busy/idle state. */
export class TrackedConnection implements ConnectionContext {
  readonly socket: Socket;
  readonly listener: ListenerInfo;
  private busy = false;
  private idleSince: number;
  private draining = false;
  private readonly drainCallbacks: Array<() => void> = [];

  constructor(
    socket: Socket,
    listener: ListenerInfo,
    private readonly now: () => number,
  ) {
    this.socket = socket;
    this.listener = listener;
    this.idleSince = now();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  /** Milliseconds since the connection last went idle (0 while busy). */
  idleFor(): number {
    return this.busy ? 0 : this.now() - this.idleSince;
  }

  setBusy(isBusy: boolean): void {
    if (!isBusy && this.busy) this.idleSince = this.now();
    this.busy = isBusy;
  }

  onDrain(callback: () => void): void {
    if (this.draining) callback();
    else this.drainCallbacks.push(callback);
  }

  /** @internal Starts draining: runs the application's drain callbacks once. */
  beginDrain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const cb of this.drainCallbacks.splice(0)) {
      try {
        cb();
      } catch {
        // An application's callback failing must not stop the others from running.
      }
    }
  }
}

/** Options of {@link ConnectionTracker}. */
export interface TrackerOptions {
  /** Clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** How often a drain looks for idle connections. Default 20 ms. */
  readonly pollMs?: number;
}

/**
 * The open connections of one process, so that a graceful shutdown knows which are idle
 * (closed) and which are busy (waited for, up to the grace period).
 */
export class ConnectionTracker {
  private readonly open = new Set<TrackedConnection>();
  private readonly now: () => number;
  private readonly pollMs: number;
  private draining = false;

  constructor(options: TrackerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.pollMs = options.pollMs ?? 20;
  }

  /** Number of open connections. */
  get size(): number {
    return this.open.size;
  }

  /** Starts tracking `socket` until it closes. */
  add(socket: Socket, listener: ListenerInfo): TrackedConnection {
    const conn = new TrackedConnection(socket, listener, this.now);
    // A connection accepted just before the listener closed still learns that we drain.
    if (this.draining) conn.beginDrain();
    this.open.add(conn);
    socket.once('close', () => this.open.delete(conn));
    return conn;
  }

  /**
   * Drains: every connection is told, idle ones are closed once idle for `idleMs`, busy ones
   * get until `graceMs` to finish, then whatever is left is destroyed.
   */
  drain(graceMs: number, idleMs: number): Promise<DrainResult> {
    this.draining = true;
    for (const conn of this.open) conn.beginDrain();
    const deadline = this.now() + graceMs;
    let closedIdle = 0;
    return new Promise((resolve) => {
      const step = (): void => {
        for (const conn of this.open) {
          if (!conn.isBusy && conn.idleFor() >= idleMs && !conn.socket.writableEnded) {
            closedIdle++;
            // FIN rather than RST: a client sees a clean close of an idle keep-alive
            // connection (RFC 9112 9.6) and opens a new one for its next request.
            conn.socket.end();
          }
        }
        if (this.open.size === 0) {
          resolve({ closedIdle, destroyed: 0 });
          return;
        }
        if (this.now() >= deadline) {
          const destroyed = this.open.size;
          for (const conn of this.open) conn.socket.destroy();
          this.open.clear();
          resolve({ closedIdle, destroyed });
          return;
        }
        setTimeout(step, this.pollMs);
      };
      step();
    });
  }
}
