import type { RouteConfig } from '../config/config-schema.js';
import { CorsPolicy } from '../policy/cors-policy.js';
import { IpAccess } from '../policy/ip-access.js';
import { JwtVerifier } from '../policy/jwt-verifier.js';
import { RateLimiter } from '../policy/rate-limiter.js';

/** Defaults of a route's settings. */
export const ROUTE_DEFAULTS = {
  /** Attempts after the first on connect failures (each on another backend when there is one). */
  retries: 2,
  /** Gateway compression of text responses (zstd, br, gzip by Accept-Encoding). */
  compression: true,
} as const;

/** A route with its policies built: what the proxy phases consult per request. */
export class CompiledRoute {
  /** The route's name (its `name`, else `route-<index>`): a metric label and a log field. */
  readonly name: string;
  /** The route as configured. */
  readonly config: RouteConfig;
  readonly ipAccess: IpAccess | undefined;
  readonly cors: CorsPolicy | undefined;
  readonly jwt: JwtVerifier | undefined;
  readonly rateLimiter: RateLimiter | undefined;

  /**
   * @param previous - the route of the same name in the configuration being replaced: its rate
   *   limiter and JWT verifier are kept when their settings are the same.
   */
  constructor(config: RouteConfig, index: number, previous?: CompiledRoute) {
    this.name = config.name ?? `route-${index}`;
    this.config = config;
    this.ipAccess = config.ip === undefined ? undefined : new IpAccess(config.ip);
    this.cors = config.cors === undefined ? undefined : new CorsPolicy(config.cors);
    const jwt = config.jwt;
    this.jwt =
      jwt === undefined
        ? undefined
        : isSame(previous?.config.jwt, jwt) && previous?.jwt !== undefined
          ? previous.jwt
          : new JwtVerifier(this.name, jwt);
    const limit = config.rate_limit;
    this.rateLimiter =
      limit === undefined
        ? undefined
        : isSame(previous?.config.rate_limit, limit) && previous?.rateLimiter !== undefined
          ? previous.rateLimiter
          : new RateLimiter(this.name, limit);
  }

  /** Attempts after the first one. */
  get retries(): number {
    return this.config.retries ?? ROUTE_DEFAULTS.retries;
  }

  /** Whether the gateway may compress this route's responses (never SSE streams). */
  get isCompressed(): boolean {
    return this.config.sse === undefined && (this.config.compression ?? ROUTE_DEFAULTS.compression);
  }
}

function isSame(a: unknown, b: unknown): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
