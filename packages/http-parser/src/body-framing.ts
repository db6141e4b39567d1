/**
 * How the body of a message is delimited (RFC 9112 6.3), decided once the head is parsed.
 *
 * - `none`: no body (HEAD responses, 1xx, 204, 304, requests without Content-Length or
 *   Transfer-Encoding).
 * - `length`: exactly {@link BodyFraming.length} bytes (Content-Length).
 * - `chunked`: chunked transfer coding (RFC 9112 7.1).
 * - `close`: responses only, the body runs until the connection closes.
 * - `upgrade`: the bytes after the head belong to another protocol (CONNECT, 101 Switching
 *   Protocols); they are handed over untouched.
 */
export type BodyKind = 'none' | 'length' | 'chunked' | 'close' | 'upgrade';

/** The body delimitation of one message. */
export interface BodyFraming {
  /** How the body ends. */
  readonly kind: BodyKind;
  /** Body length for `length`, else 0. */
  readonly length: number;
}

/** Shared framing values (framing objects are immutable, so one of each kind suffices). */
export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none', length: 0 });
/** Chunked framing. */
export const CHUNKED_BODY: BodyFraming = Object.freeze({ kind: 'chunked', length: 0 });
/** Close-delimited framing (responses only). */
export const CLOSE_DELIMITED_BODY: BodyFraming = Object.freeze({ kind: 'close', length: 0 });
/** Connection hand-off (CONNECT, 101). */
export const UPGRADE_BODY: BodyFraming = Object.freeze({ kind: 'upgrade', length: 0 });

/** Content-Length framing of `length` bytes (0 gives {@link NO_BODY}). */
export function lengthBody(length: number): BodyFraming {
  return length === 0 ? NO_BODY : { kind: 'length', length };
}
