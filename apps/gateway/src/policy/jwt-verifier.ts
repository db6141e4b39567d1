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
  private keyPromise: Promise<CryptoKey> | undefined;

  constructor(realm: string, settings: JwtSettings) {
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
    try {
      const key = await this.resolveKey();
      const s = this.settings;
      const options = {
        algorithms: [...(s.algorithms ?? defaultAlgorithms(s))],
        ...(s.issuer === undefined ? {} : { issuer: s.issuer }),
        ...(s.audience === undefined ? {} : { audience: s.audience }),
        ...(s.required_claims === undefined ? {} : { requiredClaims: [...s.required_claims] }),
        clockTolerance: s.clock_tolerance_seconds ?? JWT_DEFAULTS.clockToleranceSeconds,
      };
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(match[1] as string, key, options)
          : await jwtVerify(match[1] as string, key, options);
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
