import type { Socket } from 'node:net';

/**
 * The bytes of a downstream connection, pulled one chunk at a time: the socket stays paused
 * while nobody reads, so a slow handler slows the client (TCP backpressure) instead of
 * buffering its body. `unshift` gives back bytes that belong to the next request.
 */
export class ByteSource {
  private readonly socket: Socket;
  private readonly queue: Buffer[] = [];
  private isEnded = false;
  private waiting: ((value: Buffer | null) => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        socket.pause();
        w(data);
      } else {
        this.queue.push(data);
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
    socket.pause();
  }

  /** True when bytes are buffered. */
  get hasBuffered(): boolean {
    return this.queue.length > 0;
  }

  /** The next chunk, or `null` once the client closed (or the socket failed). */
  read(): Promise<Buffer | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.isEnded) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.resume();
    });
  }

  /** Puts bytes back at the front (the rest of a chunk after a head or a body). */
  unshift(chunk: Buffer): void {
    if (chunk.length > 0) this.queue.unshift(chunk);
  }

  /** Everything buffered, removed (for an upgrade hand-off). */
  drain(): Buffer {
    const all = Buffer.concat(this.queue);
    this.queue.length = 0;
    return all;
  }
}
