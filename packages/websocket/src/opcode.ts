/** Frame opcodes (RFC 6455 5.2, 11.8). 3-7 and 0xB-0xF are reserved. */
export const OPCODES = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** True for close, ping and pong (the opcodes with the high bit set, RFC 6455 5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}
