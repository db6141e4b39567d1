import type { HeaderMap } from '@pingora-ts/http-parser';

/** CORS settings of a route (the `cors` key). */
export interface CorsSettings {
  readonly allow_origins: readonly string[];
  readonly allow_methods?: readonly string[] | undefined;
  readonly allow_headers?: readonly string[] | undefined;
  readonly expose_headers?: readonly string[] | undefined;
  readonly allow_credentials?: boolean | undefined;
  readonly max_age_seconds?: number | undefined;
}

/** Methods a preflight allows when the route does not say (the CORS-safelisted ones and more). */
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Cross-origin resource sharing as the Fetch standard (section 3.2, "CORS protocol") asks of
 * a server: preflight `OPTIONS` requests are answered here (204 with the Allow-* fields), and
 * actual responses to an allowed origin get `Access-Control-Allow-Origin` (the origin itself,
 * with `Vary: Origin`, unless `*` is allowed without credentials).
 */
export class CorsPolicy {
  private readonly settings: CorsSettings;
  private readonly isAnyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(settings: CorsSettings) {
    this.settings = settings;
    this.isAnyOrigin = settings.allow_origins.includes('*');
    this.origins = new Set(settings.allow_origins.map((o) => o.toLowerCase()));
  }

  /** True when `origin` may read responses. */
  allows(origin: string): boolean {
    return this.isAnyOrigin || this.origins.has(origin.toLowerCase());
  }

  /** True when this request is a CORS preflight (OPTIONS with Access-Control-Request-Method). */
  isPreflight(method: string, headers: HeaderMap): boolean {
    return (
      method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method')
    );
  }

  /** The answer to a preflight: 204 with the allowed method and headers, or 403. */
  preflight(headers: HeaderMap): { status: number; headers: Record<string, string> } {
    const origin = headers.get('origin') ?? '';
    if (!this.allows(origin)) return { status: 403, headers: { Vary: 'Origin' } };
    const s = this.settings;
    const out: Record<string, string> = {
      'Access-Control-Allow-Methods': (s.allow_methods ?? DEFAULT_METHODS).join(', '),
      'Access-Control-Max-Age': String(s.max_age_seconds ?? 600),
      'Content-Length': '0',
    };
    this.addOrigin(out, origin);
    const requested = headers.get('access-control-request-headers');
    if (s.allow_headers !== undefined) {
      out['Access-Control-Allow-Headers'] = s.allow_headers.join(', ');
    } else if (requested !== undefined) {
      // No list configured: reflect what the client asked for (as most gateways do).
      out['Access-Control-Allow-Headers'] = requested;
    }
    return { status: 204, headers: out };
  }

  /** Adds the CORS fields of an actual (non-preflight) response. */
  decorate(requestHeaders: HeaderMap, response: HeaderMap): void {
    const origin = requestHeaders.get('origin');
    if (origin === undefined || !this.allows(origin)) return;
    const out: Record<string, string> = {};
    this.addOrigin(out, origin);
    if (this.settings.expose_headers !== undefined) {
      out['Access-Control-Expose-Headers'] = this.settings.expose_headers.join(', ');
    }
    for (const [k, v] of Object.entries(out)) {
      if (k === 'Vary') appendVary(response, v);
      else response.set(k, v);
    }
  }

  private addOrigin(out: Record<string, string>, origin: string): void {
    const isCredentialed = this.settings.allow_credentials === true;
    if (this.isAnyOrigin && !isCredentialed) {
      out['Access-Control-Allow-Origin'] = '*';
    } else {
      out['Access-Control-Allow-Origin'] = origin;
      out.Vary = 'Origin';
    }
    if (isCredentialed) out['Access-Control-Allow-Credentials'] = 'true';
  }
}

function appendVary(headers: HeaderMap, value: string): void {
  const vary = headers.get('vary');
  if (vary === undefined) headers.set('Vary', value);
  else if (
    !vary
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(value.toLowerCase())
  ) {
    headers.set('Vary', `${vary}, ${value}`);
  }
}
