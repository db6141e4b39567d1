/**
 * What went wrong, as a closed set. Each kind has a default retry decision and a default
 * downstream HTTP status (see {@link KIND_DEFAULTS}).
 */
export type ErrorKind =
  // Connecting (layer 4) — nothing was sent yet, so another peer can always be tried.
  | 'ConnectTimedout'
  | 'ConnectRefused'
  | 'ConnectNoRoute'
  | 'ConnectError'
  | 'ConnectProxyFailure'
  | 'BindError'
  | 'AcceptError'
  | 'SocketError'
  // TLS
  | 'TLSHandshakeFailure'
  | 'TLSHandshakeTimedout'
  | 'InvalidCert'
  | 'HandshakeError'
  // HTTP framing and limits
  | 'InvalidHTTPHeader'
  | 'H1Error'
  | 'H2Error'
  | 'H2Downgrade'
  | 'InvalidH2'
  | 'HeaderTooLarge'
  | 'UriTooLong'
  | 'BodyTooLarge'
  // I/O on an established connection
  | 'ReadError'
  | 'WriteError'
  | 'ReadTimedout'
  | 'WriteTimedout'
  | 'ConnectionClosed'
  // Peer selection
  | 'NoPeer'
  | 'AllPeersDown'
  // An HTTP status chosen on purpose (the `status` field holds the code)
  | 'HTTPStatus'
  // Files (configuration, certificates, caches)
  | 'FileOpenError'
  | 'FileReadError'
  | 'FileWriteError'
  // Configuration
  | 'InvalidConfig'
  // Everything else
  | 'InternalError'
  | 'UnknownError';

/** Who caused the error: the upstream peer, the downstream client, or this process. */
export type ErrorSource = 'upstream' | 'downstream' | 'internal';

/**
 * Whether the request may be retried on another (or a fresh) connection:
 * `always`, `never`, or `reused` — only when the failed connection came from the pool,
 * because a kept-alive connection the peer had already closed fails before any byte of the
 * request reached it.
 */
export type RetryDecision = 'always' | 'never' | 'reused';

/** The defaults that belong to a kind. */
export interface KindDefaults {
  /** Retry decision when the error is created without one. */
  readonly retry: RetryDecision;
  /** Status sent downstream when the upstream caused the error. */
  readonly upstreamStatus: number;
  /**
   * Status sent downstream when the downstream client caused the error; `undefined` when the
   * client's connection is gone, so that no response can be written.
   */
  readonly downstreamStatus: number | undefined;
  /** Status sent downstream when this process caused the error. */
  readonly internalStatus: number;
}

const CONNECT: KindDefaults = {
  retry: 'always',
  upstreamStatus: 502,
  downstreamStatus: 400,
  internalStatus: 500,
};
const TIMEOUT_CONNECT: KindDefaults = { ...CONNECT, upstreamStatus: 504 };
const PARSE: KindDefaults = {
  retry: 'never',
  upstreamStatus: 502,
  downstreamStatus: 400,
  internalStatus: 500,
};
const GONE: KindDefaults = {
  retry: 'reused',
  upstreamStatus: 502,
  downstreamStatus: undefined,
  internalStatus: 500,
};
const INTERNAL: KindDefaults = {
  retry: 'never',
  upstreamStatus: 502,
  downstreamStatus: 500,
  internalStatus: 500,
};

/**
 * Default retry decision and downstream statuses of every kind. The statuses follow
 * DESIGN.md: parse errors 400, header too large 431, body too large 413, upstream connect
 * failure 502, upstream timeout 504, no peer 502 / all peers down 503, internal 500.
 */
export const KIND_DEFAULTS: Readonly<Record<ErrorKind, KindDefaults>> = {
  ConnectTimedout: TIMEOUT_CONNECT,
  ConnectRefused: CONNECT,
  ConnectNoRoute: CONNECT,
  ConnectError: CONNECT,
  ConnectProxyFailure: CONNECT,
  BindError: { ...INTERNAL, retry: 'always', upstreamStatus: 502 },
  AcceptError: INTERNAL,
  SocketError: { ...INTERNAL, upstreamStatus: 502, downstreamStatus: undefined },
  // A failed handshake sent no request: another peer is safe to try.
  TLSHandshakeFailure: CONNECT,
  TLSHandshakeTimedout: TIMEOUT_CONNECT,
  // A certificate that fails verification will fail again on a retry to the same peer; the
  // proxy may still choose another peer in fail_to_connect.
  InvalidCert: { ...CONNECT, retry: 'never' },
  HandshakeError: CONNECT,
  InvalidHTTPHeader: PARSE,
  H1Error: PARSE,
  H2Error: PARSE,
  H2Downgrade: PARSE,
  InvalidH2: PARSE,
  HeaderTooLarge: { ...PARSE, downstreamStatus: 431 },
  UriTooLong: { ...PARSE, downstreamStatus: 414 },
  BodyTooLarge: { ...PARSE, downstreamStatus: 413 },
  ReadError: GONE,
  WriteError: GONE,
  ReadTimedout: { retry: 'never', upstreamStatus: 504, downstreamStatus: 408, internalStatus: 500 },
  WriteTimedout: {
    retry: 'never',
    upstreamStatus: 504,
    downstreamStatus: undefined,
    internalStatus: 500,
  },
  ConnectionClosed: GONE,
  NoPeer: { ...INTERNAL, retry: 'never', upstreamStatus: 502, internalStatus: 502 },
  AllPeersDown: { ...INTERNAL, retry: 'never', upstreamStatus: 503, internalStatus: 503 },
  HTTPStatus: INTERNAL,
  FileOpenError: INTERNAL,
  FileReadError: INTERNAL,
  FileWriteError: INTERNAL,
  InvalidConfig: INTERNAL,
  InternalError: INTERNAL,
  UnknownError: INTERNAL,
};

/** Every kind, in declaration order. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.keys(KIND_DEFAULTS) as ErrorKind[];

/** True when `value` names a kind. */
export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && Object.hasOwn(KIND_DEFAULTS, value);
}
