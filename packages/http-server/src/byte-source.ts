import type { Socket } from 'node:net';

/** Bytes buffered before the socket is paused (TCP then slows the client down). */
const HIGH_WATER = 64 * 1024;

/**
 * The bytes of a downstream connection, pulled one chunk at a time. The socket keeps flowing
 * while little is buffered (no pause/resume per request), and is paused once more than
 * 64 KiB wait unread, so a slow handler slows the client (TCP backpressure) instead of
 * buffering its body. `unshift` gives back bytes that belong to the next request.
 */
export class ByteSource {
  private readonly socket: Socket;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private isPaused = false;
  private isEnded = false;
  private waiting: ((value: Buffer | null) => void) | undefined;
  /** Settles the promise of {@link ByteSource.arrival} (with no value). */
  private onArrival: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      const w = this.waiting;
      if (w !== undefined) {
        this.waiting = undefined;
        w(data);
        return;
      }
      this.queue.push(data);
      this.queued += data.length;
      if (this.queued > HIGH_WATER && !this.isPaused) {
        this.isPaused = true;
        socket.pause();
      }
      this.arrived();
    });
    const end = () => {
      this.isEnded = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(null);
      this.arrived();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** True when bytes are buffered. */
  get hasBuffered(): boolean {
    return this.queue.length > 0;
  }

  /**
   * The next chunk if one is here, `null` once the client closed (or the socket failed), else
   * `undefined`: then {@link ByteSource.arrival} tells when to take again.
   */
  take(): Buffer | null | undefined {
    const queued = this.queue.shift();
    if (queued !== undefined) {
      this.queued -= queued.length;
      if (this.isPaused && this.queued <= HIGH_WATER / 2) {
        this.isPaused = false;
        this.socket.resume();
      }
      return queued;
    }
    return this.isEnded ? null : undefined;
  }

  /**
   * Settles, with no value, once {@link ByteSource.take} has something to give (a chunk, or the
   * end). A promise of a chunk would look up `then` on it (a walk up four prototypes of
   * Buffer) when it settles: this one settles with `undefined`, which needs no look-up.
   */
  arrival(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onArrival = resolve;
      this.resumeIfPaused();
    });
  }

  private resumeIfPaused(): void {
    if (this.isPaused) {
      this.isPaused = false;
      this.socket.resume();
    }
  }

  /** The next chunk, or `null` once the client closed (or the socket failed). */
  read(): Promise<Buffer | null> {
    const chunk = this.take();
    if (chunk !== undefined) return Promise.resolve(chunk);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.resumeIfPaused();
    });
  }

  private arrived(): void {
    const a = this.onArrival;
    if (a === undefined) return;
    this.onArrival = undefined;
    a();
  }

  /** Puts bytes back at the front (the rest of a chunk after a head or a body). */
  unshift(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.unshift(chunk);
    this.queued += chunk.length;
  }

  /** Everything buffered, removed, and the socket left paused (for an upgrade hand-off). */
  drain(): Buffer {
    const all = Buffer.concat(this.queue);
    this.queue.length = 0;
    this.queued = 0;
    this.socket.removeAllListeners('data');
    this.socket.pause();
    return all;
  }
}
