import { Lru } from '@pingora-ts/lru';
import {
  type CryptoKey,
  createRemoteJWKSet,
  errors,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

/** The `jwt` key of a route. */
export interface JwtSettings {
  readonly algorithms?: readonly ('HS256' | 'RS256' | 'ES256')[] | undefined;
  readonly secret?: string | undefined;
  readonly public_key?: string | undefined;
  readonly jwks_url?: string | undefined;
  readonly jwks_cooldown_seconds?: number | undefined;
  readonly jwks_max_age_seconds?: number | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  readonly required_claims?: readonly string[] | undefined;
  readonly forward_claims?: Readonly<Record<string, string>> | undefined;
  readonly clock_tolerance_seconds?: number | undefined;
}

/** Defaults of {@link JwtSettings}. */
export const JWT_DEFAULTS = {
  // jose's own defaults: a kid it does not know triggers a fetch at most every 30 s, and a key
  // set is fetched again after 10 minutes.
  jwksCooldownSeconds: 30,
  jwksMaxAgeSeconds: 600,
  clockToleranceSeconds: 0,
  // A client sends the same token with every request until it expires: a verified token is
  // remembered (never past its exp) so that the signature is checked once a minute per token,
  // not per request. A key removed from a JWKS stops tokens it signed within this time.
  verifiedCacheSeconds: 60,
  verifiedCacheSize: 10_000,
} as const;

/** The outcome of {@link JwtVerifier.verify}. */
export type JwtResult =
  | { readonly isValid: true; readonly claims: JWTPayload }
  | {
      readonly isValid: false;
      /** `WWW-Authenticate` value (RFC 6750 section 3). */
      readonly challenge: string;
      readonly reason: string;
    };

/**
 * Bearer-token authentication of a route with `jose`: HS256 with a shared secret, RS256/ES256
 * with a public key, or any of them from a JWKS URL (jose caches the set and fetches it again
 * when a token names a kid it does not know, at most once per cooldown). Checks the
 * signature, `exp`/`nbf`, the issuer, the audience and the required claims.
 */
export class JwtVerifier {
  private readonly settings: JwtSettings;
  private readonly realm: string;
  private key: JWTVerifyGetKey | Uint8Array | CryptoKey | undefined;
  private readonly verified = new Lru<string, { claims: JWTPayload; until: number }>({
    maxCount: JWT_DEFAULTS.verifiedCacheSize,
  });
  private readonly now: () => number;
  private keyPromise: Promise<CryptoKey> | undefined;

  /** `now` (ms since the epoch) bounds how long a verified token is remembered. */
  constructor(realm: string, settings: JwtSettings, now: () => number = Date.now) {
    this.now = now;
    this.realm = realm.replace(/["\\]/g, '');
    this.settings = settings;
    if (settings.secret !== undefined) {
      this.key = new TextEncoder().encode(settings.secret);
    } else if (settings.jwks_url !== undefined) {
      this.key = createRemoteJWKSet(new URL(settings.jwks_url), {
        cooldownDuration:
          (settings.jwks_cooldown_seconds ?? JWT_DEFAULTS.jwksCooldownSeconds) * 1000,
        cacheMaxAge: (settings.jwks_max_age_seconds ?? JWT_DEFAULTS.jwksMaxAgeSeconds) * 1000,
      });
    }
  }

  /** Checks the `Authorization: Bearer` value (or its absence). */
  async verify(authorization: string | undefined): Promise<JwtResult> {
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) {
      return {
        isValid: false,
        challenge: `Bearer realm="${this.realm}"`,
        reason: 'missing bearer token',
      };
    }
    const token = match[1] as string;
    const remembered = this.verified.get(token);
    if (remembered !== undefined) {
      if (this.now() < remembered.until) return { isValid: true, claims: remembered.claims };
      this.verified.delete(token);
    }
    try {
      const key = await this.resolveKey();
      const s = this.settings;
      const options = {
        algorithms: [...(s.algorithms ?? defaultAlgorithms(s))],
        ...(s.issuer === undefined ? {} : { issuer: s.issuer }),
        ...(s.audience === undefined ? {} : { audience: s.audience }),
        ...(s.required_claims === undefined ? {} : { requiredClaims: [...s.required_claims] }),
        clockTolerance: s.clock_tolerance_seconds ?? JWT_DEFAULTS.clockToleranceSeconds,
        currentDate: new Date(this.now()),
      };
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, key, options);
      let until = this.now() + JWT_DEFAULTS.verifiedCacheSeconds * 1000;
      if (payload.exp !== undefined) until = Math.min(until, payload.exp * 1000);
      this.verified.set(token, { claims: payload, until });
      return { isValid: true, claims: payload };
    } catch (error) {
      const reason = describe(error);
      return {
        isValid: false,
        challenge: `Bearer realm="${this.realm}", error="invalid_token", error_description="${reason.replace(/["\\]/g, '')}"`,
        reason,
      };
    }
  }

  /** The request headers to send upstream for `claims` (the `forward_claims` mapping). */
  forwardedHeaders(claims: JWTPayload): [string, string][] {
    const out: [string, string][] = [];
    for (const [claim, header] of Object.entries(this.settings.forward_claims ?? {})) {
      const value = claims[claim];
      if (value === undefined) continue;
      out.push([header, typeof value === 'string' ? value : JSON.stringify(value)]);
    }
    return out;
  }

  private async resolveKey(): Promise<JWTVerifyGetKey | Uint8Array | CryptoKey> {
    if (this.key === undefined) {
      this.keyPromise ??= this.importPublicKey();
      this.key = await this.keyPromise;
    }
    return this.key;
  }

  private importPublicKey(): Promise<CryptoKey> {
    const pem = this.settings.public_key as string;
    const alg = this.settings.algorithms?.find((a) => a !== 'HS256') ?? guessAlgorithm(pem);
    return importSPKI(pem, alg);
  }
}

function defaultAlgorithms(s: JwtSettings): string[] {
  if (s.secret !== undefined) return ['HS256'];
  if (s.public_key !== undefined) return [guessAlgorithm(s.public_key)];
  return ['RS256', 'ES256'];
}

/** An EC key's SPKI is much shorter than an RSA one's: ES256 keys are 91 bytes of DER. */
function guessAlgorithm(pem: string): 'RS256' | 'ES256' {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return der.length < 200 ? 'ES256' : 'RS256';
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `claim ${error.claim}: ${error.reason}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key for this token';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'malformed token';
  return error instanceof Error ? error.message : 'invalid token';
}
