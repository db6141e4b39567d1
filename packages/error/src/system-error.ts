import type { ErrorKind, ErrorSource } from './kind.js';
import { PingoraError } from './pingora-error.js';

/** Node.js system and TLS error codes and the kind each one means. */
const SYSTEM_CODES: Readonly<Record<string, ErrorKind>> = {
  ECONNREFUSED: 'ConnectRefused',
  ETIMEDOUT: 'ConnectTimedout',
  EHOSTUNREACH: 'ConnectNoRoute',
  ENETUNREACH: 'ConnectNoRoute',
  EHOSTDOWN: 'ConnectNoRoute',
  EADDRNOTAVAIL: 'ConnectError',
  ENOTFOUND: 'ConnectError',
  EAI_AGAIN: 'ConnectError',
  EADDRINUSE: 'BindError',
  EACCES: 'BindError',
  ECONNRESET: 'ConnectionClosed',
  ECONNABORTED: 'ConnectionClosed',
  EPIPE: 'WriteError',
  ERR_STREAM_DESTROYED: 'WriteError',
  ERR_STREAM_WRITE_AFTER_END: 'WriteError',
  ERR_SOCKET_CLOSED: 'ConnectionClosed',
  ENOENT: 'FileOpenError',
  CERT_HAS_EXPIRED: 'InvalidCert',
  CERT_NOT_YET_VALID: 'InvalidCert',
  CERT_REVOKED: 'InvalidCert',
  CERT_UNTRUSTED: 'InvalidCert',
  CERT_SIGNATURE_FAILURE: 'InvalidCert',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'InvalidCert',
  SELF_SIGNED_CERT_IN_CHAIN: 'InvalidCert',
  UNABLE_TO_GET_ISSUER_CERT: 'InvalidCert',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'InvalidCert',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'InvalidCert',
  ERR_TLS_CERT_ALTNAME_INVALID: 'InvalidCert',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLSHandshakeFailure',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'TLSHandshakeFailure',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'TLSHandshakeFailure',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'TLSHandshakeFailure',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'TLSHandshakeFailure',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'TLSHandshakeFailure',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'InvalidCert',
  ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL: 'TLSHandshakeFailure',
  ERR_SSL_NO_APPLICATION_PROTOCOL: 'TLSHandshakeFailure',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'TLSHandshakeFailure',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'TLSHandshakeFailure',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'TLSHandshakeFailure',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'TLSHandshakeTimedout',
};

/** The kind a Node.js error `code` (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, ...) stands for, if known. */
export function kindOfSystemCode(code: string): ErrorKind | undefined {
  return Object.hasOwn(SYSTEM_CODES, code) ? SYSTEM_CODES[code] : undefined;
}

/**
 * Wraps an error thrown by node:net, node:tls or node:fs into a `PingoraError` whose kind comes
 * from its `code` (or `fallback` for unknown codes), keeping the original as `cause`.
 *
 * @example
 * ```ts
 * socket.on('error', (e) => reject(fromSystemError(e, 'upstream', 'InternalError', `connecting to ${addr}`)));
 * ```
 */
export function fromSystemError(
  error: unknown,
  source: ErrorSource,
  fallback: ErrorKind = 'UnknownError',
  context?: string,
): PingoraError {
  if (PingoraError.is(error)) {
    if (context !== undefined) error.moreContext(context);
    return error;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const kind = (typeof code === 'string' && kindOfSystemCode(code)) || fallback;
  return new PingoraError(kind, {
    source,
    cause: error,
    ...(context === undefined ? {} : { context }),
  });
}
