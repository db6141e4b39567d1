import net from 'node:net';
import { H2C_PREFACE } from '../src/index.js';

/** Frame types of RFC 9113 6. */
export const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  CONTINUATION: 9,
} as const;

/** One frame as bytes (RFC 9113 4.1). */
export function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `n`-bit prefix (RFC 7541 5.1). */
function hpackInt(value: number, n: number, first: number): number[] {
  const max = (1 << n) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A header block of literal fields without indexing, no Huffman (RFC 7541 6.2.2). */
export function headerBlock(fields: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from([0x00, ...hpackInt(name.length, 7, 0)]), Buffer.from(name, 'latin1'));
    parts.push(Buffer.from(hpackInt(value.length, 7, 0)), Buffer.from(value, 'latin1'));
  }
  return Buffer.concat(parts);
}

/** A parsed frame from the server. */
export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/**
 * A raw HTTP/2 client over TCP for what real clients refuse to send (oversized header lists,
 * CONTINUATION floods, reset floods): writes frames as given, collects the server's frames.
 */
export class RawH2Client {
  readonly frames: ReceivedFrame[] = [];
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  private buffered = Buffer.alloc(0);

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 9) {
        const length = this.buffered.readUIntBE(0, 3);
        if (this.buffered.length < 9 + length) break;
        this.frames.push({
          type: this.buffered[3] as number,
          flags: this.buffered[4] as number,
          streamId: this.buffered.readUInt32BE(5) & 0x7fffffff,
          payload: this.buffered.subarray(9, 9 + length),
        });
        this.buffered = this.buffered.subarray(9 + length);
        // Acknowledge the server's SETTINGS (RFC 9113 6.5.3): its limits apply from then on.
        if (this.buffered.length >= 0 && chunk.length > 0) this.ackSettings();
      }
    });
  }

  private acked = 0;

  private ackSettings(): void {
    const settings = this.frames.filter(
      (f) => f.type === FRAME.SETTINGS && (f.flags & 1) === 0,
    ).length;
    for (; this.acked < settings; this.acked++)
      this.socket.write(frame(FRAME.SETTINGS, 1, 0, Buffer.alloc(0)));
  }

  /** Connects and sends the preface and an empty SETTINGS. */
  static async connect(port: number): Promise<RawH2Client> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(Buffer.concat([H2C_PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0))]));
    return new RawH2Client(socket);
  }

  /** Writes bytes; resolves once the kernel took them (or the socket is gone). */
  send(data: Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Waits until a frame matching `test` arrived or the connection closed; bounded by `maxMs`. */
  async waitFor(
    test: (f: ReceivedFrame) => boolean,
    maxMs = 5_000,
  ): Promise<ReceivedFrame | undefined> {
    for (let waited = 0; waited < maxMs; waited += 10) {
      const hit = this.frames.find(test);
      if (hit !== undefined || this.socket.destroyed) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.frames.find(test);
  }

  /** The error code of the GOAWAY received, if any. */
  goawayCode(): number | undefined {
    const g = this.frames.find((f) => f.type === FRAME.GOAWAY);
    return g?.payload.readUInt32BE(4);
  }

  close(): void {
    this.socket.destroy();
  }
}
