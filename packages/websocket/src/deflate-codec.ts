import zlib from 'node:zlib';
import { Deflate, type DeflateOptions } from 'fflate';
import {
  DEFLATE_DEFAULTS,
  type DeflateParams,
  type PerMessageDeflateOptions,
} from './permessage-deflate.js';

// RFC 7692 7.2.1: a sync flush ends with an empty stored block, whose last 4 bytes are
// removed before sending and appended again before inflating.
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** Input bytes pushed into a fflate compressor at a time (its buffer is sized for 64 KiB). */
const DEFLATE_SLICE = 64 * 1024;
/** The LZ77 window (RFC 1951: distances reach back at most 32 KiB). */
const WINDOW = 32 * 1024;
type Role = 'server' | 'client';

/**
 * Compression and decompression of one side of a permessage-deflate connection (RFC 7692 7).
 *
 * Sending: with the `zlib` compressor each message is compressed alone (native one-shot
 * deflate with a sync flush, on the event loop); with `zlib-stream` one node:zlib stream per
 * connection compresses on the thread pool (`compressAsync`), keeping context when agreed;
 * with `fflate` and context takeover one fflate compressor lives as long as the connection. Without takeover, or with a window smaller than 32 KiB, fflate compresses
 * every window-sized slice with a fresh compressor, so no back-reference reaches further than
 * the agreed window (RFC 7692 7.1.2). A window of 8 bits, which zlib's raw deflate does not
 * offer, always goes to fflate.
 *
 * Receiving: node:zlib inflates in one call with an output limit (twice as fast as fflate's
 * one-shot inflate and four times its streaming one on 16 KiB messages, measured); with the
 * peer's context takeover the last 32 KiB of output are the dictionary of the next message.
 */
export class DeflateCodec {
  /** Messages below this size are sent uncompressed. */
  readonly threshold: number;
  private readonly useZlib: boolean;
  private readonly useStream: boolean;
  private stream: zlib.DeflateRaw | undefined;
  private readonly streamOut: Buffer[] = [];
  private streamTail: Promise<unknown> = Promise.resolve();
  private inFlight: ((error: Error) => void) | undefined;
  private isClosed = false;
  private readonly zlibOptions: zlib.ZlibOptions;
  private readonly fflateOptions: DeflateOptions;
  private readonly ownNoTakeover: boolean;
  private readonly ownWindow: number;
  private readonly peerNoTakeover: boolean;
  private readonly maxBytes: number;
  private deflater: Deflate | undefined;
  /** The last 32 KiB the peer compressed, when it keeps its context. */
  private window: Uint8Array | undefined;
  private readonly input: Uint8Array[] = [];
  private inputBytes = 0;
  // fflate compressor output of the message being compressed.
  private readonly out: Uint8Array[] = [];
  private outBytes = 0;
  private readonly collect = (chunk: Uint8Array): void => {
    if (chunk.length === 0) return;
    this.out.push(chunk);
    this.outBytes += chunk.length;
  };

  constructor(
    role: Role,
    params: DeflateParams,
    options: PerMessageDeflateOptions,
    maxMessageBytes: number,
  ) {
    this.threshold = options.threshold ?? DEFLATE_DEFAULTS.threshold;
    const level = options.level ?? DEFLATE_DEFAULTS.level;
    const isServer = role === 'server';
    this.ownNoTakeover = isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.ownWindow = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.peerNoTakeover = isServer
      ? params.clientNoContextTakeover
      : params.serverNoContextTakeover;
    this.maxBytes = maxMessageBytes;
    const compressor = options.compressor ?? DEFLATE_DEFAULTS.compressor;
    this.useZlib = compressor === 'zlib' && this.ownWindow > 8;
    this.useStream = compressor === 'zlib-stream' && this.ownWindow > 8;
    this.zlibOptions = {
      level,
      memLevel: options.memLevel ?? DEFLATE_DEFAULTS.memLevel,
      windowBits: this.ownWindow,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    };
    // fflate's `mem` sizes its hash table: 2^(12 + mem) entries; 4 (64 Ki) suits messages.
    this.fflateOptions = { level: level as DeflateOptions['level'], mem: 4 };
  }

  /** The compressed payload of one message (without the 00 00 ff ff tail). */
  compress(data: Uint8Array): Buffer {
    // An empty message is an empty stored block, 00 (00 00 ff ff removed). Flushing fflate
    // with nothing new moves its hashing position back each time, which later produced
    // distances past the window (found by the property test).
    if (data.length === 0) return Buffer.from([0x00]);
    if (this.useZlib) {
      const z = zlib.deflateRawSync(data, this.zlibOptions);
      return z.subarray(0, z.length - TAIL.length);
    }
    this.out.length = 0;
    this.outBytes = 0;
    if (!this.ownNoTakeover && this.ownWindow === 15) {
      this.deflater ??= new Deflate(this.fflateOptions, this.collect);
      this.pushAll(this.deflater, data, 0, data.length);
      this.syncFlush(this.deflater);
    } else {
      // A fresh compressor per window-sized slice: no reference crosses a slice boundary.
      const slice = 1 << this.ownWindow;
      let from = 0;
      do {
        const d = new Deflate(this.fflateOptions, this.collect);
        const end = Math.min(from + slice, data.length);
        this.pushAll(d, data, from, end);
        this.syncFlush(d);
        from = end;
      } while (from < data.length);
    }
    const all = Buffer.concat(this.out, this.outBytes);
    this.out.length = 0;
    this.outBytes = 0;
    return all.subarray(0, all.length - TAIL.length);
  }

  /** True when messages of `length` bytes are compressed by {@link DeflateCodec.compressAsync}. */
  isAsync(length: number): boolean {
    return this.useStream && length >= this.threshold;
  }

  /**
   * Compresses on libuv's thread pool through one node:zlib stream per connection (sync flush
   * after each message, reset after each without context takeover). Messages go through it one
   * at a time, in the order of the calls.
   */
  compressAsync(data: Uint8Array): Promise<Buffer> {
    const run = () =>
      new Promise<Buffer>((resolve, reject) => {
        if (this.isClosed) return reject(new Error('the connection closed before compression'));
        const stream = this.openStream();
        this.inFlight = reject;
        stream.once('error', reject);
        stream.write(data);
        stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          this.inFlight = undefined;
          stream.off('error', reject);
          const out = Buffer.concat(this.streamOut);
          this.streamOut.length = 0;
          if (this.ownNoTakeover) stream.reset();
          resolve(out.subarray(0, out.length - TAIL.length));
        });
      });
    const result = this.streamTail.then(run, run);
    this.streamTail = result;
    return result;
  }

  /** Frees the compression stream (when the connection ends); compressions still due fail. */
  close(): void {
    this.isClosed = true;
    this.stream?.close();
    this.stream = undefined;
    // A flush callback never comes once the stream is closed.
    this.inFlight?.(new Error('the connection closed during compression'));
    this.inFlight = undefined;
  }

  private openStream(): zlib.DeflateRaw {
    if (this.stream !== undefined) return this.stream;
    const { finishFlush: _, ...options } = this.zlibOptions;
    const stream = zlib.createDeflateRaw(options);
    stream.on('data', (chunk: Buffer) => this.streamOut.push(chunk));
    this.stream = stream;
    return stream;
  }

  /** Starts a new incoming compressed message. */
  beginMessage(): void {
    this.input.length = 0;
    this.inputBytes = 0;
  }

  /**
   * Takes the next compressed fragment (a view, kept until {@link DeflateCodec.endMessage}).
   * False when the compressed bytes alone pass the message limit.
   */
  push(fragment: Uint8Array): boolean {
    this.input.push(fragment);
    this.inputBytes += fragment.length;
    return this.inputBytes <= this.maxBytes;
  }

  /**
   * Inflates the message: its bytes, or `null` past the message limit (a small frame can
   * inflate to a thousand times its size; zlib stops at the limit). Throws on data that is not
   * DEFLATE.
   */
  endMessage(): Buffer | null {
    const stream = Buffer.concat([...this.input, TAIL], this.inputBytes + TAIL.length);
    this.input.length = 0;
    this.inputBytes = 0;
    const window = this.peerNoTakeover ? undefined : this.window;
    let data: Buffer;
    try {
      data = zlib.inflateRawSync(stream, {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, this.maxBytes),
        ...(window === undefined ? {} : { dictionary: window }),
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return null;
      throw error;
    }
    if (data.length > this.maxBytes) return null;
    if (!this.peerNoTakeover) this.keepWindow(data);
    return data;
  }

  private keepWindow(data: Buffer): void {
    if (data.length >= WINDOW) {
      this.window = data.slice(data.length - WINDOW);
    } else if (data.length > 0) {
      const previous = this.window ?? new Uint8Array(0);
      const keep = Math.min(previous.length, WINDOW - data.length);
      const next = new Uint8Array(keep + data.length);
      next.set(previous.subarray(previous.length - keep), 0);
      next.set(data, keep);
      this.window = next;
    }
  }

  private pushAll(deflater: Deflate, data: Uint8Array, from: number, end: number): void {
    for (let at = from; at < end; at += DEFLATE_SLICE) {
      deflater.push(data.subarray(at, Math.min(at + DEFLATE_SLICE, end)), false);
    }
  }

  /**
   * A sync flush: everything pushed so far, then an empty stored block (RFC 7692 7.2.1).
   * fflate 0.8.3's `flush(true)` writes that block's LEN/NLEN at the wrong offset when bits of
   * a partial byte are pending (it passes its packed state where the bit offset belongs), so
   * the block is written here instead: fflate's state `r` packs the pending bit count (low 3
   * bits) and the partial byte (above them). The 3 header bits are zeros (not final, stored);
   * they spill into a second byte when more than 5 bits are pending; then LEN/NLEN 00 00 ff ff.
   */
  private syncFlush(deflater: Deflate): void {
    deflater.flush(false);
    const state = (deflater as unknown as { s: { r?: number } }).s;
    const r = state.r ?? 0;
    const aligned = (r & 7) + 3 <= 8 ? 1 : 2;
    const block = new Uint8Array(aligned + TAIL.length);
    block[0] = r >> 3;
    block.set(TAIL, aligned);
    state.r = 0;
    this.collect(block);
  }
}
