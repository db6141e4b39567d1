/**
 * One data message: its bytes and whether it was sent as binary (opcode 2) or text
 * (opcode 1, already checked to be valid UTF-8).
 */
export class WebSocketMessage {
  /** The payload, reassembled and inflated. */
  readonly data: Buffer;
  /** True for a binary message, false for text. */
  readonly isBinary: boolean;

  constructor(data: Buffer, isBinary: boolean) {
    this.data = data;
    this.isBinary = isBinary;
  }

  /** The payload decoded as UTF-8 (for text messages). */
  text(): string {
    return this.data.toString('utf8');
  }
}
