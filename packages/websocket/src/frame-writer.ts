import { randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DeflateCodec } from './deflate-codec.js';
import { applyMask } from './mask.js';
import { OPCODES } from './opcode.js';

// Masking keys must be unpredictable (RFC 6455 5.3, 10.3): they come from the CSPRNG, drawn
// 8 KiB at a time so that a frame costs four bytes of a pool instead of a system call.
const MASK_POOL_BYTES = 8192;
const maskPool = Buffer.allocUnsafe(MASK_POOL_BYTES);
let maskOffset = MASK_POOL_BYTES;

function nextMask(): Buffer {
  if (maskOffset === MASK_POOL_BYTES) {
    randomFillSync(maskPool);
    maskOffset = 0;
  }
  const mask = maskPool.subarray(maskOffset, maskOffset + 4);
  maskOffset += 4;
  return mask;
}

/** Payloads from this size on are written after their header instead of copied behind it. */
const COPY_LIMIT = 64 * 1024;

function headerSize(length: number, isMasked: boolean): number {
  return (length < 126 ? 2 : length < 0x1_0000 ? 4 : 10) + (isMasked ? 4 : 0);
}

/** Writes a frame header into `out`; returns where the payload (or the mask) goes. */
function writeHeader(out: Buffer, b0: number, length: number, isMasked: boolean): number {
  out[0] = b0;
  const maskBit = isMasked ? 0x80 : 0;
  if (length < 126) {
    out[1] = maskBit | length;
    return 2;
  }
  if (length < 0x1_0000) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
    return 4;
  }
  out[1] = maskBit | 127;
  out.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
  out.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/**
 * Encodes one frame into a single Buffer (RFC 6455 5.2): header, masking key when `isMasked`
 * (a client), payload masked in the copy (the caller's bytes are never changed).
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  fin: boolean,
  rsv1: boolean,
  isMasked: boolean,
): Buffer {
  const length = payload.length;
  const size = headerSize(length, isMasked);
  const out = Buffer.allocUnsafe(size + length);
  let at = writeHeader(out, (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode, length, isMasked);
  if (isMasked) {
    const mask = nextMask();
    out[at] = mask[0]!;
    out[at + 1] = mask[1]!;
    out[at + 2] = mask[2]!;
    out[at + 3] = mask[3]!;
    at += 4;
    out.set(payload, at);
    applyMask(out.subarray(at), mask);
  } else {
    out.set(payload, at);
  }
  return out;
}

/**
 * The sending half of a connection: data messages (compressed above the codec's threshold,
 * RSV1 on the frame, RFC 7692 6), control frames, masking for clients. Each call writes one
 * whole frame to the socket and returns what `socket.write` returned (false: buffer full).
 */
export class FrameWriter {
  private readonly socket: Socket;
  private readonly isMasked: boolean;
  private readonly codec: DeflateCodec | undefined;
  private readonly fragmentSize: number;

  /** `fragmentSize` > 0 splits larger message payloads into frames of that size (RFC 6455 5.4). */
  constructor(
    socket: Socket,
    isClient: boolean,
    codec: DeflateCodec | undefined,
    fragmentSize = 0,
  ) {
    this.socket = socket;
    this.isMasked = isClient;
    this.codec = codec;
    this.fragmentSize = fragmentSize;
  }

  /** Writes a data message: one frame, or fragments of `fragmentSize` bytes. */
  writeMessage(data: Uint8Array, isBinary: boolean): boolean {
    const codec = this.codec;
    const isCompressed = codec !== undefined && data.length >= codec.threshold;
    return this.writePayload(isCompressed ? codec.compress(data) : data, isBinary, isCompressed);
  }

  /** True when `length` bytes are compressed off the event loop ({@link FrameWriter.compressLater}). */
  isAsync(length: number): boolean {
    return this.codec?.isAsync(length) ?? false;
  }

  /** The compressed payload, made on the thread pool; write it with {@link FrameWriter.writePayload}. */
  compressLater(data: Uint8Array): Promise<Buffer> {
    return this.codec!.compressAsync(data);
  }

  /** Writes a message payload as it is (already compressed when `isCompressed`). */
  writePayload(payload: Uint8Array, isBinary: boolean, isCompressed: boolean): boolean {
    const opcode = isBinary ? OPCODES.BINARY : OPCODES.TEXT;
    const size = this.fragmentSize;
    if (size === 0 || payload.length <= size) {
      return this.writeFrame(opcode, payload, true, isCompressed);
    }
    // RSV1 marks the first frame of a compressed message only (RFC 7692 6.1).
    let ok = this.writeFrame(opcode, payload.subarray(0, size), false, isCompressed);
    for (let from = size; from < payload.length; from += size) {
      const end = Math.min(from + size, payload.length);
      ok = this.writeFrame(
        OPCODES.CONTINUATION,
        payload.subarray(from, end),
        end === payload.length,
        false,
      );
    }
    return ok;
  }

  /** Frees the codec's resources. */
  close(): void {
    this.codec?.close();
  }

  /** Writes a text message from a string, encoding straight into the frame when possible. */
  writeText(text: string): boolean {
    const codec = this.codec;
    const length = Buffer.byteLength(text);
    if (
      this.isMasked ||
      length >= COPY_LIMIT ||
      (codec !== undefined && length >= codec.threshold)
    ) {
      return this.writeMessage(Buffer.from(text), false);
    }
    const size = headerSize(length, false);
    const out = Buffer.allocUnsafe(size + length);
    writeHeader(out, 0x80 | OPCODES.TEXT, length, false);
    out.write(text, size, 'utf8');
    return this.socket.write(out);
  }

  /** Writes one frame (data or control). */
  writeFrame(opcode: number, payload: Uint8Array, fin: boolean, rsv1: boolean): boolean {
    const length = payload.length;
    if (!this.isMasked && length >= COPY_LIMIT) {
      // Large server payloads go out as they are, after a header of their own (one writev).
      const size = headerSize(length, false);
      const header = Buffer.allocUnsafe(size);
      writeHeader(header, (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode, length, false);
      this.socket.cork();
      this.socket.write(header);
      const ok = this.socket.write(payload);
      this.socket.uncork();
      return ok;
    }
    return this.socket.write(encodeFrame(opcode, payload, fin, rsv1, this.isMasked));
  }
}
