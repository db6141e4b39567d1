import type { Backend } from '../backend.js';
import { type CheckOptions, type HealthCheck, resolveCheckOptions } from './health-check.js';
import { type ProbeTlsOptions, runProbe } from './probe-connection.js';

/** Options of {@link TcpHealthCheck}. */
export interface TcpCheckOptions extends CheckOptions {
  /** Also complete a TLS handshake (verifying the certificate unless told not to). */
  tls?: ProbeTlsOptions;
}

/**
 * Passes when a TCP connection (and, with `tls`, a TLS handshake) to the backend completes
 * within the timeout; the connection is closed at once.
 *
 * @example
 * ```ts
 * const check = new TcpHealthCheck({ timeoutMs: 500, unhealthyThreshold: 2 });
 * await check.check(Backend.parse('127.0.0.1:6379'));
 * ```
 */
export class TcpHealthCheck implements HealthCheck {
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly timeoutMs: number;
  readonly #tls: ProbeTlsOptions | undefined;

  constructor(options: TcpCheckOptions = {}) {
    const resolved = resolveCheckOptions(options);
    this.healthyThreshold = resolved.healthyThreshold;
    this.unhealthyThreshold = resolved.unhealthyThreshold;
    this.timeoutMs = resolved.timeoutMs;
    this.#tls = options.tls;
  }

  check(backend: Backend): Promise<void> {
    return runProbe(backend, this.timeoutMs, this.#tls, (_socket, succeed) => succeed());
  }
}
