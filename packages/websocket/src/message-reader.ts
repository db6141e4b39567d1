import { CLOSE_CODES, isValidCloseCode } from './close-code.js';
import type { DeflateCodec } from './deflate-codec.js';
import { applyMask } from './mask.js';
import { OPCODES } from './opcode.js';
import { isValidUtf8, Utf8Validator } from './utf8-validator.js';

/** Where a {@link MessageReader} delivers what it read. Methods, not closures: one object per connection. */
export interface MessageSink {
  /** A whole data message (fragments joined, inflated, text validated as UTF-8). */
  onMessage(data: Buffer, isBinary: boolean): void;
  /** A ping, with its application data (at most 125 bytes). */
  onPing(data: Buffer): void;
  /** A pong. */
  onPong(data: Buffer): void;
  /** A valid close frame; `code` is 1005 when it carried none. The reader stops here. */
  onClose(code: number, reason: string): void;
  /** A protocol violation: the connection must fail with `code`. The reader stops here. */
  onProtocolError(code: number, reason: string): void;
}

/** Size limits of a reader, in bytes. */
export interface ReaderLimits {
  /** Largest frame payload accepted (close 1009 beyond). */
  maxFrameBytes: number;
  /** Largest message accepted, after inflation (close 1009 beyond). */
  maxMessageBytes: number;
}

const HEADER = 0;
const PAYLOAD = 1;
const STOPPED = 2;

const EMPTY = Buffer.alloc(0);
// 2^53: payload lengths above this cannot even be represented as a JS number.
const TWO_POW_32 = 0x1_0000_0000;

/**
 * The receiving half of RFC 6455 framing: parses frames from chunks of any size, unmasks them,
 * joins fragments (with control frames interleaved, 5.4), inflates permessage-deflate
 * messages, validates text incrementally, enforces the size limits, and reports every
 * protocol violation with its close code (1002 framing, 1007 bad UTF-8 or DEFLATE data, 1009
 * too big). A server reader requires masked frames, a client reader unmasked ones (5.1).
 */
export class MessageReader {
  private readonly isServer: boolean;
  private readonly sink: MessageSink;
  private readonly limits: ReaderLimits;
  private readonly codec: DeflateCodec | undefined;
  private readonly chunks: Buffer[] = [];
  /** Bytes of `chunks[0]` already used (an index, so a frame costs no slicing of it). */
  private offset = 0;
  private buffered = 0;
  private state = HEADER;
  // The frame being read.
  private fin = false;
  private opcode = 0;
  private payloadLength = 0;
  private isMasked = false;
  private readonly mask = new Uint8Array(4);
  // The message being assembled.
  private messageOpcode = 0;
  private isCompressed = false;
  private messageBytes = 0;
  private readonly fragments: Buffer[] = [];
  private readonly validator = new Utf8Validator();

  constructor(
    isServer: boolean,
    sink: MessageSink,
    limits: ReaderLimits,
    codec: DeflateCodec | undefined,
  ) {
    this.isServer = isServer;
    this.sink = sink;
    this.limits = limits;
    this.codec = codec;
  }

  /** True once a close frame or a violation ended reading. */
  get isStopped(): boolean {
    return this.state === STOPPED;
  }

  /** Stops reading (the connection is going away); later pushes are ignored. */
  stop(): void {
    this.state = STOPPED;
    this.chunks.length = 0;
    this.offset = 0;
    this.buffered = 0;
    this.fragments.length = 0;
  }

  /** Feeds received bytes; delivers every frame they complete. */
  push(chunk: Buffer): void {
    if (this.state === STOPPED || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.state !== STOPPED) {
      if (this.state === HEADER) {
        if (!this.readHeader()) return;
      } else {
        if (this.buffered < this.payloadLength) return;
        const payload = this.payloadLength === 0 ? EMPTY : this.consume(this.payloadLength);
        if (this.isMasked) applyMask(payload, this.mask);
        this.state = HEADER;
        this.handleFrame(payload);
      }
    }
  }

  /** Parses a frame header when all of it is buffered; false when more bytes are needed. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    let head = this.chunks[0]!;
    let p = this.offset;
    if (head.length - p < 14 && this.chunks.length > 1) {
      // A header split across chunks (rare): join what is buffered.
      this.chunks[0] = head.subarray(p);
      head = Buffer.concat(this.chunks, this.buffered);
      this.chunks.length = 1;
      this.chunks[0] = head;
      this.offset = 0;
      p = 0;
    }
    const b0 = head[p]!;
    const b1 = head[p + 1]!;
    const isMasked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (isMasked ? 4 : 0);
    if (this.buffered < size) return false;
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x30) !== 0) return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'RSV2 or RSV3 set');
    let length = len7;
    let at = 2;
    if (len7 === 126) {
      length = (head[p + 2]! << 8) | head[p + 3]!;
      at = 4;
    } else if (len7 === 127) {
      const high = head.readUInt32BE(p + 2);
      // RFC 6455 5.2: the most significant bit must be 0.
      if (high > 0x7fff_ffff)
        return this.fail(CLOSE_CODES.PROTOCOL_ERROR, '64-bit length with MSB set');
      if (high > 0x1f_ffff) return this.fail(CLOSE_CODES.MESSAGE_TOO_BIG, 'frame too big');
      length = high * TWO_POW_32 + head.readUInt32BE(p + 6);
      at = 10;
    }
    if (opcode >= 0x8) {
      if (opcode > OPCODES.PONG)
        return this.fail(CLOSE_CODES.PROTOCOL_ERROR, `reserved opcode ${opcode}`);
      // RFC 6455 5.5: control frames are never fragmented, carry at most 125 bytes, and
      // permessage-deflate applies to data messages only (RFC 7692 6).
      if (!fin) return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'fragmented control frame');
      if (length > 125)
        return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'control frame over 125 bytes');
      if (rsv1) return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'RSV1 on a control frame');
    } else if (opcode === OPCODES.CONTINUATION) {
      if (this.messageOpcode === 0)
        return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'continuation without a message');
      if (rsv1) return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'RSV1 on a continuation frame');
    } else if (opcode <= OPCODES.BINARY) {
      if (this.messageOpcode !== 0)
        return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'new message inside a fragmented one');
      if (rsv1 && this.codec === undefined)
        return this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'RSV1 without an extension');
    } else {
      return this.fail(CLOSE_CODES.PROTOCOL_ERROR, `reserved opcode ${opcode}`);
    }
    // RFC 6455 5.1: clients mask every frame, servers none.
    if (isMasked !== this.isServer) {
      return this.fail(
        CLOSE_CODES.PROTOCOL_ERROR,
        isMasked ? 'masked frame from a server' : 'unmasked frame from a client',
      );
    }
    if (length > this.limits.maxFrameBytes)
      return this.fail(CLOSE_CODES.MESSAGE_TOO_BIG, 'frame too big');
    if (opcode < 0x8) {
      if (opcode !== OPCODES.CONTINUATION) {
        this.messageOpcode = opcode;
        this.isCompressed = rsv1;
        this.messageBytes = 0;
        if (rsv1) this.codec!.beginMessage();
      }
      if (!this.isCompressed && this.messageBytes + length > this.limits.maxMessageBytes) {
        return this.fail(CLOSE_CODES.MESSAGE_TOO_BIG, 'message too big');
      }
    }
    if (isMasked) {
      this.mask[0] = head[p + at]!;
      this.mask[1] = head[p + at + 1]!;
      this.mask[2] = head[p + at + 2]!;
      this.mask[3] = head[p + at + 3]!;
    }
    this.fin = fin;
    this.opcode = opcode;
    this.isMasked = isMasked;
    this.payloadLength = length;
    this.skip(size);
    this.state = PAYLOAD;
    return true;
  }

  private handleFrame(payload: Buffer): void {
    const opcode = this.opcode;
    if (opcode >= 0x8) {
      if (opcode === OPCODES.PING) this.sink.onPing(payload);
      else if (opcode === OPCODES.PONG) this.sink.onPong(payload);
      else this.handleClose(payload);
      return;
    }
    const isText = this.messageOpcode === OPCODES.TEXT;
    if (this.isCompressed) {
      const codec = this.codec!;
      if (!codec.push(payload))
        return void this.fail(CLOSE_CODES.MESSAGE_TOO_BIG, 'message too big');
      if (!this.fin) return;
      let data: Buffer | null;
      try {
        data = codec.endMessage();
      } catch {
        return void this.fail(CLOSE_CODES.INVALID_PAYLOAD, 'invalid DEFLATE data');
      }
      if (data === null) return void this.fail(CLOSE_CODES.MESSAGE_TOO_BIG, 'message too big');
      if (isText && !isValidUtf8(data)) {
        return void this.fail(CLOSE_CODES.INVALID_PAYLOAD, 'invalid UTF-8 in a text message');
      }
      this.deliver(data);
      return;
    }
    if (this.fin && this.fragments.length === 0) {
      if (isText && !isValidUtf8(payload)) {
        return void this.fail(CLOSE_CODES.INVALID_PAYLOAD, 'invalid UTF-8 in a text message');
      }
      this.deliver(payload);
      return;
    }
    this.messageBytes += payload.length;
    this.fragments.push(payload);
    if (isText && !this.validator.push(payload)) {
      return void this.fail(CLOSE_CODES.INVALID_PAYLOAD, 'invalid UTF-8 in a text message');
    }
    if (!this.fin) return;
    if (isText && !this.validator.end()) {
      return void this.fail(CLOSE_CODES.INVALID_PAYLOAD, 'invalid UTF-8 in a text message');
    }
    const data = Buffer.concat(this.fragments, this.messageBytes);
    this.fragments.length = 0;
    this.deliver(data);
  }

  private deliver(data: Buffer): void {
    const isBinary = this.messageOpcode === OPCODES.BINARY;
    this.messageOpcode = 0;
    this.messageBytes = 0;
    this.sink.onMessage(data, isBinary);
  }

  private handleClose(payload: Buffer): void {
    if (payload.length === 1)
      return void this.fail(CLOSE_CODES.PROTOCOL_ERROR, 'close payload of 1 byte');
    let code: number = CLOSE_CODES.NO_STATUS;
    let reason = '';
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code))
        return void this.fail(CLOSE_CODES.PROTOCOL_ERROR, `invalid close code ${code}`);
      const text = payload.subarray(2);
      if (!isValidUtf8(text))
        return void this.fail(CLOSE_CODES.INVALID_PAYLOAD, 'invalid UTF-8 in the close reason');
      reason = text.toString('utf8');
    }
    this.stop();
    this.sink.onClose(code, reason);
  }

  private fail(code: number, reason: string): false {
    this.stop();
    this.sink.onProtocolError(code, reason);
    return false;
  }

  /** Drops `n` buffered bytes (a header, which always lies in the first chunk). */
  private skip(n: number): void {
    this.buffered -= n;
    this.offset += n;
    if (this.offset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }

  /** Takes `n` buffered bytes as one Buffer: a view when they lie in one chunk, else a copy. */
  private consume(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    const start = this.offset;
    const available = first.length - start;
    if (available >= n) {
      const view = first.subarray(start, start + n);
      if (available === n) {
        this.chunks.shift();
        this.offset = 0;
      } else this.offset = start + n;
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    first.copy(out, 0, start);
    let filled = available;
    this.chunks.shift();
    this.offset = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, take);
      filled += take;
      if (take === c.length) this.chunks.shift();
      else this.offset = take;
    }
    return out;
  }
}
