import type { Socket } from 'node:net';
import { fromSystemError, PingoraError } from '@pingora-ts/error';
import type { IdleLoss, IdleWatcher } from '@pingora-ts/pool';
import type { Deadline, TimerWheel } from '@pingora-ts/timeout';
import { type ReadBuffer, readBufferOf } from './read-buffer.js';

/** What {@link SocketReader.wait} hands the next chunk to (an object: no closure per wait). */
export interface ChunkWaiter {
  /** Takes a chunk, `null` at end of stream, or the read's error. */
  onChunk(value: Buffer | null | PingoraError): void;
}

/**
 * Pulls a socket's bytes one chunk at a time: the socket pauses as soon as a chunk arrives that
 * nobody asked for, so a slow consumer slows the upstream down (TCP backpressure) instead of
 * buffering its body.
 * Each wait for bytes has a read deadline on the timer wheel.
 *
 * A reader can stay on a kept-alive connection between exchanges ({@link SocketReader.park},
 * then {@link SocketReader.reuse}): its listeners are added once per connection, not once per
 * request, and while the connection sits in a pool the reader watches it for the pool
 * ({@link IdleWatcher}).
 *
 * On a socket made with a read buffer (`connectPeer`'s `readBufferBytes`), every read lands
 * in that memory: a chunk from {@link SocketReader.read} is then borrowed, valid until the
 * next call of `read`, and {@link SocketReader.isBorrowing} is true. When bytes arrive while
 * nobody waits for a read, the socket stops reading until the next `read` that finds nothing
 * queued.
 */
export class SocketReader implements IdleWatcher {
  private readonly socket: Socket;
  private wheel: TimerWheel;
  private readTimeoutMs: number;
  private readonly queue: Buffer[] = [];
  /** The buffer reads go into, when the socket has one (chunks are borrowed from it). */
  private readonly readBuffer: ReadBuffer | undefined;
  private isEnded = false;
  private failure: PingoraError | undefined;
  /** The waiting read's settlers; `undefined` when no read waits. */
  private resolveRead: ((value: Buffer | null) => void) | undefined;
  private rejectRead: ((error: PingoraError) => void) | undefined;
  /** The waiting {@link SocketReader.wait}'s callback; `undefined` when none waits. */
  private waiter: ChunkWaiter | undefined;
  /** The read deadline, made on the first wait and moved (`reset`) for each later one. */
  private timer: Deadline | undefined;
  /** The pool's callback while the connection is idle in it (see {@link SocketReader.watch}). */
  private onLost: ((reason: IdleLoss) => void) | undefined;
  /** Bytes received so far. */
  received = 0;

  private readonly onData = (data: Buffer): void => {
    this.received += data.length;
    if (this.isWaited) this.deliver(data);
    else if (this.onLost !== undefined) this.lose('unexpected-data');
    else {
      this.queue.push(data);
      this.socket.pause();
    }
  };
  /** A read into the {@link ReadBuffer}: `false` stops the socket reading until `read`. */
  private readonly onBorrowed = (chunk: Buffer): boolean => {
    this.received += chunk.length;
    if (this.isWaited) {
      // The socket keeps reading: the next read goes into the other half of the buffer, and
      // comes to a consumer that asked again (done with this chunk) or is queued (below).
      this.deliver(chunk);
      return true;
    }
    if (this.onLost !== undefined) this.lose('unexpected-data');
    // Kept uncopied, and the socket stops: the half this chunk is in is read into again only
    // after two more calls of `read`, the first of which takes it, the second releases it.
    else this.queue.push(chunk);
    return false;
  };
  private readonly onEnd = (): void => {
    this.isEnded = true;
    if (this.isWaited) this.deliver(null);
    else this.lose('remote-close');
  };
  private readonly onError = (error: Error): void => {
    this.failure = fromSystemError(error, 'upstream', 'ReadError', 'reading from upstream');
    if (this.isWaited) this.deliver(this.failure);
    else this.lose('error');
  };
  private readonly onTimeout = (): void => {
    this.failure = PingoraError.explain(
      'ReadTimedout',
      `no bytes from upstream within ${this.readTimeoutMs} ms`,
      { source: 'upstream' },
    );
    this.deliver(this.failure);
    this.socket.destroy();
  };

  constructor(socket: Socket, wheel: TimerWheel, readTimeoutMs: number) {
    this.socket = socket;
    this.wheel = wheel;
    this.readTimeoutMs = readTimeoutMs;
    this.readBuffer = readBufferOf(socket);
    if (this.readBuffer !== undefined) this.readBuffer.sink = this.onBorrowed;
    else socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
    socket.pause();
  }

  /**
   * True when chunks from `read` are views of the socket's read buffer, valid until the next
   * `read`.
   */
  get isBorrowing(): boolean {
    return this.readBuffer !== undefined;
  }

  /** True when bytes arrived that nobody has read (a connection in that state is not reusable). */
  get hasUnread(): boolean {
    return this.queue.length > 0;
  }

  /** The next chunk, or `null` at end of stream. Rejects with ReadTimedout / ReadError. */
  read(): Promise<Buffer | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    if (this.isEnded) return Promise.resolve(null);
    return new Promise<Buffer | null>((resolve, reject) => {
      this.resolveRead = resolve;
      this.rejectRead = reject;
      this.startWaiting();
    });
  }

  /**
   * {@link SocketReader.read} with a callback instead of a promise: `waiter.onChunk` is called
   * once, with the next chunk, `null` at end of stream, or the read's error (ReadTimedout /
   * ReadError), from the socket's own callback when nothing is queued (no promise, no turn of
   * the microtask queue), at once when something is. A borrowed chunk is valid until the next
   * `read` or `wait`.
   */
  wait(waiter: ChunkWaiter): void {
    const queued = this.queue.shift();
    if (queued !== undefined) waiter.onChunk(queued);
    else if (this.failure) waiter.onChunk(this.failure);
    else if (this.isEnded) waiter.onChunk(null);
    else {
      this.waiter = waiter;
      this.startWaiting();
    }
  }

  private get isWaited(): boolean {
    return this.resolveRead !== undefined || this.waiter !== undefined;
  }

  private startWaiting(): void {
    if (this.timer === undefined) {
      this.timer = this.wheel.deadline(this.readTimeoutMs, this.onTimeout);
    } else {
      this.timer.reset(this.readTimeoutMs);
    }
    this.socket.resume();
  }

  /**
   * Ends an exchange but keeps listening, for a connection going back to the pool idle (the
   * socket is paused; bytes that arrive while idle are the pool's to notice). Nothing may be
   * waiting for a read.
   */
  park(): void {
    if (this.isWaited) throw new TypeError('park() while a read waits');
    // A socket with a read buffer keeps reading: stopping would cost an epoll_ctl, and again
    // when the pool's watch starts it (bytes that come before that are queued, and lost).
    if (this.readBuffer === undefined) this.socket.pause();
  }

  /**
   * Watches the parked connection for its pool ({@link IdleWatcher}): the socket flows, so that
   * a byte (`unexpected-data`), the peer's FIN (`remote-close`) or an error shows at once.
   */
  watch(lost: (reason: IdleLoss) => void): void {
    this.onLost = lost;
    if (this.failure !== undefined) this.lose('error');
    else if (this.isEnded) this.lose('remote-close');
    else if (this.queue.length > 0) this.lose('unexpected-data');
    else this.socket.resume();
  }

  /** Stops watching for the pool: the connection is handed out (or evicted). */
  unwatch(): void {
    this.onLost = undefined;
  }

  /**
   * Starts another exchange on a parked reader: `received` counts from zero again, and reads
   * wait at most `readTimeoutMs` on `wheel`.
   */
  reuse(wheel: TimerWheel, readTimeoutMs: number): void {
    if (wheel !== this.wheel) this.timer = undefined; // made on the other wheel (not pending)
    this.wheel = wheel;
    this.readTimeoutMs = readTimeoutMs;
    this.received = 0;
  }

  /** Stops listening (before the socket is closed or handed over). */
  detach(): void {
    if (this.readBuffer !== undefined) this.readBuffer.sink = undefined;
    else this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.timer?.cancel();
    // A read still waiting would never hear from the socket again: wake it with an error.
    if (this.isWaited) {
      this.failure = PingoraError.explain(
        'ConnectionClosed',
        'connection closed while a read waited',
        {
          source: 'upstream',
          retry: 'never',
        },
      );
      this.deliver(this.failure);
    }
  }

  private deliver(value: Buffer | null | PingoraError): void {
    const resolve = this.resolveRead;
    const reject = this.rejectRead;
    const waiter = this.waiter;
    this.resolveRead = this.rejectRead = this.waiter = undefined;
    this.timer?.cancel();
    // The socket keeps flowing: a chunk that comes before the next read is queued (and pauses
    // it), so a reader that keeps reading costs no pause and resume per chunk.
    if (waiter !== undefined) waiter.onChunk(value);
    else if (value instanceof PingoraError) reject?.(value);
    else resolve?.(value);
  }

  private lose(reason: IdleLoss): void {
    const lost = this.onLost;
    this.onLost = undefined;
    lost?.(reason);
  }
}
