import { EventEmitter } from 'node:events';
import type { IdleLoss, IdleWatcher, PoolConnection } from '../src/index.js';

/**
 * A FAKE in-memory connection for the model tests (sockets are not what the ordering tests
 * are about; the real-socket tests are in connection-pool.socket.test.ts). Events are emitted
 * synchronously by the test.
 */
export class FakeConnection extends EventEmitter implements PoolConnection {
  readonly id: number;
  destroyed = false;
  readableLength = 0;
  readableEnded = false;
  writableEnded = false;

  constructor(id: number) {
    super();
    this.id = id;
  }

  destroy(): this {
    this.destroyed = true;
    return this;
  }

  /** The peer sent bytes. */
  receive(bytes: number): void {
    this.readableLength += bytes;
    this.emit('readable');
  }

  /** The peer closed its side: like a socket, 'readable' with nothing buffered. */
  hangUp(): void {
    this.emit('readable');
  }

  /** Listeners the pool left behind (none may remain on a connection it handed out). */
  watchers(): number {
    return (['readable', 'close', 'error'] as const).reduce(
      (n, event) => n + this.listenerCount(event),
      0,
    );
  }
}

/**
 * A FAKE owner's {@link IdleWatcher}: it listens to its connection for the connection's whole
 * life (as an HTTP client's reader does) and reports a loss only while the pool has it watch.
 */
export class FakeWatcher implements IdleWatcher {
  private lost: ((reason: IdleLoss) => void) | undefined;

  constructor(conn: FakeConnection) {
    conn.on('readable', () =>
      this.report(conn.readableLength > 0 ? 'unexpected-data' : 'remote-close'),
    );
    conn.on('close', () => this.report('remote-close'));
    conn.on('error', () => this.report('error'));
  }

  /** True between `watch` and `unwatch` (or the loss it reported). */
  get isWatching(): boolean {
    return this.lost !== undefined;
  }

  watch(lost: (reason: IdleLoss) => void): void {
    this.lost = lost;
  }

  unwatch(): void {
    this.lost = undefined;
  }

  private report(reason: IdleLoss): void {
    const lost = this.lost;
    this.lost = undefined;
    lost?.(reason);
  }
}
