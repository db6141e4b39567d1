/**
 * The one error type of Pingora-TS. Every package reports failures as a {@link PingoraError}:
 * a kind from a closed set, a source (upstream, downstream, internal), a retry decision
 * (always, never, only on a reused connection), a chain of context strings, and the original
 * cause. Each kind has a default retry decision and a default downstream HTTP status, so the
 * proxy can answer a client without guessing.
 *
 * @example
 * ```ts
 * import { PingoraError } from '@pingora-ts/error';
 *
 * const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
 * const e = PingoraError.because('ConnectRefused', 'connecting to 127.0.0.1:9', refused)
 *   .intoUpstream()
 *   .moreContext('GET /index.html');
 * console.log(e.downstreamStatus(), e.canRetry(false));
 * console.log(e.toString());
 * ```
 *
 * @packageDocumentation
 */
export {
  ERROR_KINDS,
  type ErrorKind,
  type ErrorSource,
  isErrorKind,
  KIND_DEFAULTS,
  type KindDefaults,
  type RetryDecision,
} from './kind.js';
export { type ErrorDetail, type ErrorOptions, PingoraError } from './pingora-error.js';
export { fromSystemError, kindOfSystemCode } from './system-error.js';
