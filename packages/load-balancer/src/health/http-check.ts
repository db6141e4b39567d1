import { PingoraError } from '@pingora-ts/error';
import { encodeRequestHead, HeaderMap, type Method, RequestHeader } from '@pingora-ts/http-parser';
import type { Backend } from '../backend.js';
import { type CheckOptions, type HealthCheck, resolveCheckOptions } from './health-check.js';
import { type CheckResponse, HttpResponseReader } from './http-response-reader.js';
import { type ProbeTlsOptions, runProbe } from './probe-connection.js';

/** Options of {@link HttpHealthCheck}. */
export interface HttpCheckOptions extends CheckOptions {
  /** Request method. Default `GET`. */
  method?: string;
  /** Request target (origin-form). Default `/`. */
  path?: string;
  /** Host header. Default the backend's `host:port`. */
  host?: string;
  /** More request header fields. */
  headers?: Readonly<Record<string, string>>;
  /** Inclusive range of statuses that pass. Default `[200, 299]`. */
  expectedStatus?: readonly [min: number, max: number];
  /** The body must contain this text, or match this pattern. Default: body not read. */
  bodyMatch?: string | RegExp;
  /** HTTPS: the TLS settings (certificate verification is on unless turned off). */
  tls?: ProbeTlsOptions;
  /** Largest response head, and largest body, read in bytes. Default 65,536. */
  maxResponseBytes?: number;
}

/** Defaults of {@link HttpCheckOptions} beyond the shared ones. */
export const HTTP_CHECK_DEFAULTS = {
  method: 'GET',
  path: '/',
  expectedStatus: [200, 299] as const,
  maxResponseBytes: 65_536,
  userAgent: 'pingora-ts-health-check',
} as const;

/**
 * Sends one HTTP/1.1 request (over TLS for HTTPS) and passes when the status is in the expected
 * range and, if asked, the body matches. The request head is written with
 * @pingora-ts/http-parser's encoder and the response read with its parser; the request says
 * `Connection: close`, so the probe leaves no connection behind.
 *
 * @example
 * ```ts
 * const check = new HttpHealthCheck({
 *   path: '/healthz',
 *   host: 'api.internal',
 *   expectedStatus: [200, 204],
 *   bodyMatch: /ok/,
 *   tls: { servername: 'api.internal' },
 * });
 * ```
 */
export class HttpHealthCheck implements HealthCheck {
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly timeoutMs: number;
  readonly #options: HttpCheckOptions;
  readonly #method: Method;
  readonly #path: string;
  readonly #fields: ReadonlyArray<readonly [string, string]>;
  readonly #min: number;
  readonly #max: number;
  readonly #maxBytes: number;

  /** @throws TypeError for a method, path or header that cannot go on the wire. */
  constructor(options: HttpCheckOptions = {}) {
    const resolved = resolveCheckOptions(options);
    this.healthyThreshold = resolved.healthyThreshold;
    this.unhealthyThreshold = resolved.unhealthyThreshold;
    this.timeoutMs = resolved.timeoutMs;
    this.#options = options;
    this.#method = options.method ?? HTTP_CHECK_DEFAULTS.method;
    this.#path = options.path ?? HTTP_CHECK_DEFAULTS.path;
    if (!this.#path.startsWith('/')) {
      throw new TypeError(`path ${JSON.stringify(this.#path)} must be an origin-form target`);
    }
    const [min, max] = options.expectedStatus ?? HTTP_CHECK_DEFAULTS.expectedStatus;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 100 || max > 599 || min > max) {
      throw new RangeError(
        `expectedStatus must be [min, max] within 100..599, got [${min}, ${max}]`,
      );
    }
    this.#min = min;
    this.#max = max;
    this.#maxBytes = options.maxResponseBytes ?? HTTP_CHECK_DEFAULTS.maxResponseBytes;
    this.#fields = [
      ['User-Agent', HTTP_CHECK_DEFAULTS.userAgent],
      ['Connection', 'close'],
      ...Object.entries(options.headers ?? {}),
    ];
    // Encode once now so a bad method, path, host or header fails here, not on every probe.
    this.requestHead(new BackendLike('check.invalid', 1));
  }

  /** The request head sent to `backend`. */
  requestHead(backend: Pick<Backend, 'addr'>): Buffer {
    const headers = new HeaderMap([['Host', this.#options.host ?? backend.addr], ...this.#fields]);
    return encodeRequestHead(new RequestHeader(this.#method, this.#path, 'HTTP/1.1', headers));
  }

  check(backend: Backend): Promise<void> {
    const wantBody = this.#options.bodyMatch !== undefined;
    const reader = new HttpResponseReader(this.#method, wantBody, this.#maxBytes);
    const head = this.requestHead(backend);
    return runProbe(backend, this.timeoutMs, this.#options.tls, (socket, succeed, fail) => {
      let isDone = false;
      const judge = (read: () => CheckResponse | undefined): void => {
        if (isDone) return;
        let response: CheckResponse | undefined;
        try {
          response = read();
        } catch (error) {
          isDone = true;
          fail(PingoraError.from(error, 'H1Error'));
          return;
        }
        if (response === undefined) return;
        isDone = true;
        const verdict = this.#verdict(response);
        if (verdict === undefined) succeed();
        else fail(verdict);
      };
      socket.on('data', (chunk: Buffer) => judge(() => reader.push(chunk)));
      socket.on('end', () => judge(() => reader.end()));
      socket.write(head);
    });
  }

  #verdict({ status, body }: CheckResponse): PingoraError | undefined {
    if (status < this.#min || status > this.#max) {
      return PingoraError.explain(
        'HTTPStatus',
        `status ${status} not in ${this.#min}..${this.#max}`,
        {
          status,
          source: 'upstream',
        },
      );
    }
    const match = this.#options.bodyMatch;
    if (match === undefined || body === undefined) return undefined;
    if (typeof match !== 'string') match.lastIndex = 0; // a /g or /y pattern keeps state
    const isMatch = typeof match === 'string' ? body.includes(match) : match.test(body);
    if (isMatch) return undefined;
    return PingoraError.explain('HTTPStatus', `body does not match ${String(match)}`, {
      status,
      source: 'upstream',
    });
  }
}

/** Enough of a backend to encode a request head for validation. */
class BackendLike {
  readonly addr: string;
  constructor(host: string, port: number) {
    this.addr = `${host}:${port}`;
  }
}
