/** Rejection of {@link TimerWheel.withTimeout}: the promise did not settle within `ms`. */
export class TimeoutError extends Error {
  /** Stable code callers can switch on. */
  readonly code = 'PINGORA_TIMEOUT';
  /** The timeout that elapsed, in milliseconds. */
  readonly ms: number;

  constructor(ms: number, what = 'operation') {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
    this.ms = ms;
  }
}
