import { constants } from 'node:http2';
import {
  type ErrorKind,
  type ErrorSource,
  PingoraError,
  type RetryDecision,
} from '@pingora-ts/error';

/** Names of the HTTP/2 error codes (RFC 9113 7), for messages. */
const CODE_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** `REFUSED_STREAM` for 7, `0x1f` for codes RFC 9113 does not define. */
export function h2CodeName(code: number): string {
  return CODE_NAMES[code] ?? `0x${code.toString(16)}`;
}

/**
 * The {@link PingoraError} for an upstream stream that the peer reset with `code` (RST_STREAM,
 * or GOAWAY for streams it never processed), and whether the request may be sent again:
 * - `REFUSED_STREAM`, and streams above a GOAWAY's last stream id: the peer did no
 *   processing (RFC 9113 8.7), so a retry is always safe (`H2Error`, retry `always`).
 * - `HTTP_1_1_REQUIRED`: the peer wants HTTP/1.1 (RFC 9113 7), retry there (`H2Downgrade`,
 *   retry `always`).
 * - anything else (`CANCEL`, `INTERNAL_ERROR`, `PROTOCOL_ERROR`, `ENHANCE_YOUR_CALM`, ...):
 *   the request may have been processed (`H2Error`, retry `never`).
 */
export function upstreamResetError(code: number, context: string): PingoraError {
  let kind: ErrorKind = 'H2Error';
  let retry: RetryDecision = 'never';
  if (code === constants.NGHTTP2_REFUSED_STREAM) retry = 'always';
  else if (code === constants.NGHTTP2_HTTP_1_1_REQUIRED) {
    kind = 'H2Downgrade';
    retry = 'always';
  }
  return PingoraError.explain(kind, `${context}: stream reset with ${h2CodeName(code)}`, {
    source: 'upstream',
    retry,
  });
}

/** The error for a stream whose connection went away (socket closed, session destroyed). */
export function connectionGoneError(
  context: string,
  source: ErrorSource,
  cause?: unknown,
): PingoraError {
  // A connection that dies before answering may be one the peer was closing while idle:
  // a retry on a fresh one is safe only when it came from the pool (Pingora's retry rule).
  return new PingoraError('ConnectionClosed', {
    source,
    context,
    retry: 'reused',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The error for a downstream stream the client reset or abandoned. */
export function clientResetError(code: number): PingoraError {
  return PingoraError.explain(
    'ConnectionClosed',
    `client reset the stream with ${h2CodeName(code)}`,
    { source: 'downstream' },
  );
}
