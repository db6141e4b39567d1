/**
 * Close status codes of RFC 6455 7.4.1 (and the IANA "WebSocket Close Code Number Registry").
 * `NO_STATUS` (1005) and `ABNORMAL` (1006) are never sent on the wire: they describe a close
 * frame without a code and a connection that ended without any close frame.
 */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
} as const;

/**
 * True when `code` may appear in a close frame (RFC 6455 7.4.1 and 7.4.2): the registered
 * codes 1000-1003 and 1007-1014 (1004 is reserved, 1005, 1006 and 1015 must never be sent),
 * and 3000-4999 (libraries, frameworks and applications).
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}
