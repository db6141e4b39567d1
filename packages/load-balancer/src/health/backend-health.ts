import type { PingoraError } from '@pingora-ts/error';

/** What moved a backend between healthy and unhealthy. */
export type HealthChangeReason = 'active' | 'passive' | 'manual';

/** Consecutive-result thresholds of a health check (HAProxy's `rise` and `fall`). */
export interface HealthThresholds {
  /** Successful checks in a row that bring an unhealthy backend back. */
  readonly healthyThreshold: number;
  /** Failed checks in a row that take a healthy backend out. */
  readonly unhealthyThreshold: number;
}

/**
 * The health of one backend: the up/down verdict and the runs of results that lead to it.
 * New backends start healthy (as in Pingora), so traffic flows before the first check ends.
 */
export class BackendHealth {
  /** The verdict selection uses. */
  healthy = true;
  /** Active checks that passed in a row (reset by a failure). */
  consecutiveSuccesses = 0;
  /** Active checks that failed in a row (reset by a success). */
  consecutiveFailures = 0;
  /** Connect failures the proxy reported in a row (reset by a reported success). */
  passiveFailures = 0;
  /** Why the last check or reported connect failed, if it did. */
  lastError: PingoraError | undefined = undefined;
  /** Clock time of the last active check result, or `undefined` before the first. */
  lastCheckedAt: number | undefined = undefined;

  /**
   * Records an active check's result. Returns the reason of a transition, or `undefined` when
   * the verdict did not change.
   */
  recordCheck(
    error: PingoraError | undefined,
    thresholds: HealthThresholds,
    now: number,
  ): HealthChangeReason | undefined {
    this.lastCheckedAt = now;
    if (error === undefined) {
      this.consecutiveFailures = 0;
      this.consecutiveSuccesses++;
      if (!this.healthy && this.consecutiveSuccesses >= thresholds.healthyThreshold) {
        this.healthy = true;
        this.passiveFailures = 0;
        this.lastError = undefined;
        return 'active';
      }
      return undefined;
    }
    this.lastError = error;
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures++;
    if (this.healthy && this.consecutiveFailures >= thresholds.unhealthyThreshold) {
      this.healthy = false;
      return 'active';
    }
    return undefined;
  }

  /**
   * Records a connect failure the proxy saw. After `threshold` in a row the backend goes down
   * and stays down until active checks bring it back (passive checks cannot see recovery).
   */
  recordPassiveFailure(
    error: PingoraError | undefined,
    threshold: number,
  ): HealthChangeReason | undefined {
    if (error !== undefined) this.lastError = error;
    this.passiveFailures++;
    if (this.healthy && this.passiveFailures >= threshold) {
      this.healthy = false;
      // The active check must now see healthyThreshold successes from scratch.
      this.consecutiveSuccesses = 0;
      return 'passive';
    }
    return undefined;
  }

  /** Records a connection the proxy made: the run of passive failures ends. */
  recordPassiveSuccess(): void {
    this.passiveFailures = 0;
  }

  /** Forces the verdict (an operator's decision); returns the reason if it changed. */
  set(healthy: boolean): HealthChangeReason | undefined {
    if (this.healthy === healthy) return undefined;
    this.healthy = healthy;
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures = 0;
    this.passiveFailures = 0;
    return 'manual';
  }
}
