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
  private readonly halves: readonly [Buffer, Buffer];
  private isFirst = false;

  /** @param bytes - the most one read takes (each half; the connection holds twice this). */
  constructor(bytes: number) {
    const whole = Buffer.allocUnsafeSlow(bytes * 2);
    this.halves = [whole.subarray(0, bytes), whole.subarray(bytes)];
  }

  /** The `onread.buffer` of the socket: where the next read goes, the half the last did not. */
  readonly next = (): Buffer => {
    this.isFirst = !this.isFirst;
    return this.halves[this.isFirst ? 0 : 1];
  };

  /** The `onread.callback` of the socket. */
  readonly onRead = (nread: number, buffer: Uint8Array): boolean => {
    const chunk = (buffer as Buffer).subarray(0, nread);
    if (this.sink !== undefined) return this.sink(chunk);
    // Nobody takes borrowed bytes: the socket behaves like one without a read buffer.
    return this.socket?.push(Buffer.from(chunk)) ?? false;
  };
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
