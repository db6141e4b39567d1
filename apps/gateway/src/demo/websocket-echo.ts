import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** RFC 6455 section 1.3: the GUID appended to the client's key. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The demo echoes small messages only; larger frames close the connection (1009). */
const MAX_PAYLOAD = 1 << 20;

/**
 * A minimal RFC 6455 echo endpoint for the embedded demo upstream (the gateway only tunnels
 * the bytes; a full codec lives in `@pingora-ts/websocket`): completes the handshake, then
 * sends every data frame back unmasked, answers pings, and closes when asked.
 */
export function acceptWebSocketEcho(request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const key = request.headers['sec-websocket-key'];
  if (typeof key !== 'string' || request.headers.upgrade?.toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  let buffered = head;
  const onData = (data: Buffer) => {
    buffered = buffered.length === 0 ? data : Buffer.concat([buffered, data]);
    for (;;) {
      const frame = readFrame(buffered);
      if (frame === undefined) return;
      if (frame === 'too-large') {
        socket.end(encodeFrame(0x8, Buffer.from([0x03, 0xf1])));
        return;
      }
      buffered = buffered.subarray(frame.size);
      if (frame.opcode === 0x8) {
        socket.end(encodeFrame(0x8, frame.payload.subarray(0, 2)));
        return;
      }
      if (frame.opcode === 0x9) socket.write(encodeFrame(0xa, frame.payload));
      else if (frame.opcode !== 0xa)
        socket.write(encodeFrame(frame.opcode, frame.payload, frame.isFinal));
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  if (head.length > 0) onData(Buffer.alloc(0));
}

interface Frame {
  readonly isFinal: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
  readonly size: number;
}

/** One frame from the start of `data` (RFC 6455 section 5.2), or undefined when incomplete. */
function readFrame(data: Buffer): Frame | 'too-large' | undefined {
  if (data.length < 2) return undefined;
  const b0 = data[0] as number;
  const b1 = data[1] as number;
  let length = b1 & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    const big = data.readBigUInt64BE(2);
    if (big > BigInt(MAX_PAYLOAD)) return 'too-large';
    length = Number(big);
    offset = 10;
  }
  if (length > MAX_PAYLOAD) return 'too-large';
  const isMasked = (b1 & 0x80) !== 0;
  const maskAt = offset;
  if (isMasked) offset += 4;
  if (data.length < offset + length) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (isMasked) {
    for (let i = 0; i < payload.length; i++) {
      payload[i] = (payload[i] as number) ^ (data[maskAt + (i & 3)] as number);
    }
  }
  return { isFinal: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload, size: offset + length };
}

/** A server frame (never masked, RFC 6455 section 5.1). */
function encodeFrame(opcode: number, payload: Buffer, isFinal = true): Buffer {
  const n = payload.length;
  const headLength = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const head = Buffer.alloc(headLength);
  head[0] = (isFinal ? 0x80 : 0) | opcode;
  if (n < 126) head[1] = n;
  else if (n < 65_536) {
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}
