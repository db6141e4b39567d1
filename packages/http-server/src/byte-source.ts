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
    });
    const end = () => {
      this.isEnded = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(null);
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** True when bytes are buffered. */
  get hasBuffered(): boolean {
    return this.queue.length > 0;
  }

  /** The next chunk, or `null` once the client closed (or the socket failed). */
  read(): Promise<Buffer | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) {
      this.queued -= queued.length;
      if (this.isPaused && this.queued <= HIGH_WATER / 2) {
        this.isPaused = false;
        this.socket.resume();
      }
      return Promise.resolve(queued);
    }
    if (this.isEnded) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
      if (this.isPaused) {
        this.isPaused = false;
        this.socket.resume();
      }
    });
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
