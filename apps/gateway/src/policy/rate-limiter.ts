import { type Clock, Rate, TokenBucket } from '@pingora-ts/limits';

/** The `rate_limit` key of a route. */
export interface RateLimitSettings {
  readonly key?: string | undefined;
  readonly algorithm?: 'token-bucket' | 'sliding-window' | undefined;
  readonly rate_per_second?: number | undefined;
  readonly burst?: number | undefined;
  readonly limit?: number | undefined;
  readonly window_seconds?: number | undefined;
}

/** Defaults of {@link RateLimitSettings}. */
export const RATE_LIMIT_DEFAULTS = {
  key: 'ip',
  algorithm: 'token-bucket',
  windowSeconds: 1,
} as const;

/** The verdict on one request, with the header fields that describe the quota. */
export interface RateVerdict {
  readonly isAllowed: boolean;
  /** Seconds the client should wait (only when not allowed). */
  readonly retryAfterSeconds: number;
  /**
   * `RateLimit` and `RateLimit-Policy` fields as draft-ietf-httpapi-ratelimit-headers-09
   * (section 3 and 4) writes them: `"name";q=quota;w=window` and `"name";r=remaining;t=reset`.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One route's rate limit: a token bucket (`burst` at once, `rate_per_second` back) or the
 * sliding-window estimator of `@pingora-ts/limits` (`limit` requests per `window_seconds`),
 * per key (client IP, a header or a JWT claim). Rejected requests do not count against the
 * client, so a client that backs off as told gets through.
 */
export class RateLimiter {
  /** The policy name in the RateLimit fields (the route's name). */
  readonly name: string;
  /** How requests are keyed: `ip`, `header:NAME` or `claim:NAME`. */
  readonly key: string;
  private readonly bucket: TokenBucket | undefined;
  private readonly rate: Rate | undefined;
  private readonly quota: number;
  private readonly windowSeconds: number;
  private readonly policyHeader: string;
  private readonly ratePerSecond: number;
  /** The policy name as a quoted sf-string (RFC 8941 section 3.3.3). */
  private readonly label: string;

  constructor(name: string, settings: RateLimitSettings, clock?: Clock) {
    this.name = name;
    this.key = settings.key ?? RATE_LIMIT_DEFAULTS.key;
    const algorithm = settings.algorithm ?? RATE_LIMIT_DEFAULTS.algorithm;
    const label = `"${name.replace(/["\\]/g, '')}"`;
    this.label = label;
    if (algorithm === 'token-bucket') {
      const ratePerSecond = settings.rate_per_second ?? 1;
      const burst = settings.burst ?? Math.max(1, Math.ceil(ratePerSecond));
      this.ratePerSecond = ratePerSecond;
      this.bucket = new TokenBucket({ ratePerSecond, burst, ...(clock ? { clock } : {}) });
      this.quota = burst;
      // The window over which `burst` requests are allowed from an empty bucket.
      this.windowSeconds = Math.max(1, Math.ceil(burst / ratePerSecond));
    } else {
      this.windowSeconds = settings.window_seconds ?? RATE_LIMIT_DEFAULTS.windowSeconds;
      this.ratePerSecond = 0;
      this.rate = new Rate({ intervalMs: this.windowSeconds * 1000, ...(clock ? { clock } : {}) });
      this.quota = settings.limit ?? 1;
    }
    this.policyHeader = `${label};q=${this.quota};w=${this.windowSeconds}`;
  }

  /** Counts one request of `key` (when allowed) and says whether it may pass. */
  check(key: string): RateVerdict {
    const label = this.label;
    if (this.bucket !== undefined) {
      const taken = this.bucket.take(key);
      if (taken.allowed) {
        const remaining = Math.floor(taken.remaining);
        const reset = Math.ceil((this.quota - taken.remaining) / this.ratePerSecond);
        return this.verdict(true, 0, `${label};r=${remaining};t=${reset}`);
      }
      const wait = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      return this.verdict(false, wait, `${label};r=0;t=${wait}`);
    }
    const rate = this.rate as Rate;
    // The sliding estimate of requests in the last window (the previous window weighted by its
    // overlap with a window ending now), checked before counting this one.
    const inWindow = rate.rate(key) * this.windowSeconds;
    if (inWindow + 1 > this.quota) {
      // The estimate falls by the previous window's weight as time passes; one window is
      // enough for the previous window's count to have no weight left.
      const wait = Math.max(1, Math.ceil(this.windowSeconds));
      return this.verdict(false, wait, `${label};r=0;t=${wait}`);
    }
    rate.observe(key);
    const remaining = Math.max(0, Math.floor(this.quota - inWindow - 1));
    return this.verdict(true, 0, `${label};r=${remaining};t=${Math.ceil(this.windowSeconds)}`);
  }

  private verdict(isAllowed: boolean, retryAfterSeconds: number, state: string): RateVerdict {
    return {
      isAllowed,
      retryAfterSeconds,
      headers: { RateLimit: state, 'RateLimit-Policy': this.policyHeader },
    };
  }
}
