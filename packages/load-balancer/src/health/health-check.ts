import type { Backend } from '../backend.js';
import type { HealthThresholds } from './backend-health.js';

/**
 * An active health check. {@link HealthCheck.check} resolves when the backend passed and
 * rejects with a `PingoraError` saying why it failed; the thresholds say how many results in a
 * row flip the verdict.
 */
export interface HealthCheck extends HealthThresholds {
  /** Probes `backend` once. Must settle within its own timeout and leave nothing open. */
  check(backend: Backend): Promise<void>;
}

/** Options every built-in check shares. */
export interface CheckOptions {
  /** Successes in a row that bring a backend back. Default {@link CHECK_DEFAULTS}. */
  healthyThreshold?: number;
  /** Failures in a row that take a backend out. Default {@link CHECK_DEFAULTS}. */
  unhealthyThreshold?: number;
  /** Time for the whole probe (connect, request, response), in ms. */
  timeoutMs?: number;
}

/**
 * Defaults of every built-in check. The thresholds are HAProxy's (`rise 2`, `fall 3`): one lost
 * probe does not take a backend out, and one lucky probe does not bring a flapping one back.
 */
export const CHECK_DEFAULTS = {
  healthyThreshold: 2,
  unhealthyThreshold: 3,
  timeoutMs: 1_000,
} as const;

/** Validates the shared options and fills in defaults. */
export function resolveCheckOptions(options: CheckOptions): Required<CheckOptions> {
  const resolved = {
    healthyThreshold: options.healthyThreshold ?? CHECK_DEFAULTS.healthyThreshold,
    unhealthyThreshold: options.unhealthyThreshold ?? CHECK_DEFAULTS.unhealthyThreshold,
    timeoutMs: options.timeoutMs ?? CHECK_DEFAULTS.timeoutMs,
  };
  for (const name of ['healthyThreshold', 'unhealthyThreshold'] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!(resolved.timeoutMs > 0) || !Number.isFinite(resolved.timeoutMs)) {
    throw new RangeError(`timeoutMs must be a positive number, got ${resolved.timeoutMs}`);
  }
  return resolved;
}
