import { PingoraError } from '@pingora-ts/error';
import type { Backend } from '../backend.js';
import { type CheckOptions, type HealthCheck, resolveCheckOptions } from './health-check.js';
import { HttpResponseReader } from './http-response-reader.js';
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
  /** Largest response read, head and body, in bytes. Default 65,536. */
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

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Sends one HTTP/1.1 request (over TLS for HTTPS) and passes when the status is in the expected
 * range and, if asked, the body matches. The request says `Connection: close`, so the probe
 * leaves no connection behind.
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
  readonly #min: number;
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #headTail: string;
  readonly #requestLine: string;

  /** @throws TypeError for a method, path or header that cannot go on the wire. */
  constructor(options: HttpCheckOptions = {}) {
    const resolved = resolveCheckOptions(options);
    this.healthyThreshold = resolved.healthyThreshold;
    this.unhealthyThreshold = resolved.unhealthyThreshold;
    this.timeoutMs = resolved.timeoutMs;
    this.#options = options;
    const method = options.method ?? HTTP_CHECK_DEFAULTS.method;
    const path = options.path ?? HTTP_CHECK_DEFAULTS.path;
    if (!TOKEN.test(method)) throw new TypeError(`method ${JSON.stringify(method)} is not a token`);
    if (!/^\/[\x21-\x7e]*$/.test(path)) {
      throw new TypeError(`path ${JSON.stringify(path)} must be an origin-form target`);
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
    let tail = `User-Agent: ${HTTP_CHECK_DEFAULTS.userAgent}\r\nConnection: close\r\n`;
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
        throw new TypeError(`header ${JSON.stringify(name)} cannot be sent as given`);
      }
      tail += `${name}: ${value}\r\n`;
    }
    this.#headTail = `${tail}\r\n`;
    this.#requestLine = `${method} ${path} HTTP/1.1\r\n`;
    if (options.host !== undefined && !FIELD_VALUE.test(options.host)) {
      throw new TypeError('host cannot be sent as given');
    }
  }

  /** The request head sent to `backend`. */
  requestHead(backend: Backend): string {
    return `${this.#requestLine}Host: ${this.#options.host ?? backend.addr}\r\n${this.#headTail}`;
  }

  check(backend: Backend): Promise<void> {
    const bodyMatch = this.#options.bodyMatch;
    const isHead = this.#requestLine.startsWith('HEAD ');
    const reader = new HttpResponseReader(bodyMatch !== undefined && !isHead, this.#maxBytes);
    return runProbe(backend, this.timeoutMs, this.#options.tls, (socket, succeed, fail) => {
      let done = false;
      const judge = (read: () => ReturnType<HttpResponseReader['end']> | undefined): void => {
        if (done) return;
        let response: ReturnType<HttpResponseReader['end']> | undefined;
        try {
          response = read();
        } catch (error) {
          done = true;
          fail(PingoraError.from(error, 'H1Error'));
          return;
        }
        if (response === undefined) return;
        done = true;
        const verdict = this.#verdict(response.status, response.body);
        if (verdict === undefined) succeed();
        else fail(verdict);
      };
      socket.on('data', (chunk: Buffer) => judge(() => reader.push(chunk)));
      socket.on('end', () => judge(() => reader.end()));
      socket.write(this.requestHead(backend));
    });
  }

  #verdict(status: number, body: string | undefined): PingoraError | undefined {
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
