import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';

/**
 * Takes the bytes a read put into the connection's buffer: `chunk` is a view that stays valid
 * until the read after next (see {@link ReadBuffer}). Return `false` to stop reading until
 * `socket.resume()`.
 */
export type ReadSink = (chunk: Buffer) => boolean;

/**
 * The memory every read of a connection goes into (`net.connect`'s `onread`), in place of the
 * fresh allocation Node makes for each read: the bytes stay in the CPU caches between reads
 * and the allocator and garbage collector see none of them. Reads alternate between two
 * halves, so the read after a chunk never lands on that chunk: whoever takes the reads
 * ({@link ReadBuffer.sink}, the `SocketReader`) hands a chunk out only to a consumer that is
 * waiting for one (and so done with the last), and stops the socket when a chunk comes while
 * the last is still out, and so never sees a chunk overwritten while it is out. Without a
 * sink, each read is copied and pushed to the socket's readable side, so a socket handed over
 * (after a 101) emits `'data'` like any other.
 */
export class ReadBuffer {
  /** The connection, once made. */
  socket: Socket | undefined;
  /** Where reads go; `undefined`: copied onto the socket's readable side. */
  sink: ReadSink | undefined;
  private halves: readonly [Buffer, Buffer];
  private isFirst = false;
  /** The largest read, the size the halves grow to. */
  private readonly maxBytes: number;
  /** The last read filled its half: the body is larger than the halves are. */
  private wasFull = false;

  /**
   * @param maxBytes - the most one read takes (each half; the connection then holds twice this).
   * The halves start at {@link READ_BUFFER_START} bytes (or `maxBytes` when smaller), and both
   * grow to `maxBytes` at the first read that fills one: a connection that only ever carries
   * small responses keeps 32 KiB, not twice `maxBytes` (memory that is resident at once).
   */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.halves = halves(Math.min(READ_BUFFER_START, maxBytes));
  }

  /** The `onread.buffer` of the socket: where the next read goes, the half the last did not. */
  readonly next = (): Buffer => {
    if (this.wasFull && (this.halves[0] as Buffer).length < this.maxBytes) {
      // New memory for both halves: a chunk still lent keeps the old memory alive, untouched.
      this.halves = halves(this.maxBytes);
    }
    this.isFirst = !this.isFirst;
    return this.halves[this.isFirst ? 0 : 1];
  };

  /** The `onread.callback` of the socket. */
  readonly onRead = (nread: number, buffer: Uint8Array): boolean => {
    this.wasFull = nread === buffer.length;
    const chunk = (buffer as Buffer).subarray(0, nread);
    if (this.sink !== undefined) return this.sink(chunk);
    // Nobody takes borrowed bytes: the socket behaves like one without a read buffer.
    return this.socket?.push(Buffer.from(chunk)) ?? false;
  };
}

/** Bytes of each half of a new {@link ReadBuffer}, before a large read makes them grow. */
export const READ_BUFFER_START = 16 * 1024;

/** Two buffers of `bytes` in one allocation. */
function halves(bytes: number): readonly [Buffer, Buffer] {
  const whole = Buffer.allocUnsafeSlow(bytes * 2);
  return [whole.subarray(0, bytes), whole.subarray(bytes)];
}

const buffers = new WeakMap<Socket, ReadBuffer>();

/** Records that `socket` reads into `buffer` (see {@link readBufferOf}). */
export function attachReadBuffer(socket: Socket, buffer: ReadBuffer): void {
  buffer.socket = socket;
  buffers.set(socket, buffer);
}

/** The read buffer a socket was made with, or `undefined` for a socket with Node's own reads. */
export function readBufferOf(socket: Socket): ReadBuffer | undefined {
  return buffers.get(socket);
}
