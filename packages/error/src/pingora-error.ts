import { type ErrorKind, type ErrorSource, KIND_DEFAULTS, type RetryDecision } from './kind.js';

/**
 * Where in the input an error was found: enough for a person to go and look (a parser's byte
 * offset and rule, a header's name, a configuration file's line).
 */
export interface ErrorDetail {
  /** The rule that was broken, for example `"RFC 9112 6.3: Content-Length with Transfer-Encoding"`. */
  readonly rule?: string;
  /** Byte offset into the input (a connection's stream, a buffer). */
  readonly offset?: number;
  /** A field, header or option name. */
  readonly name?: string;
  /** File name, for configuration and certificates. */
  readonly file?: string;
  /** 1-based line in `file`. */
  readonly line?: number;
  /** 1-based column in `file`. */
  readonly column?: number;
}

/** Options of {@link PingoraError.new}. */
export interface ErrorOptions {
  /** Who caused it. Default `internal`. */
  source?: ErrorSource;
  /** Retry decision. Default: the kind's (see `KIND_DEFAULTS`). */
  retry?: RetryDecision;
  /** The first entry of the context chain: what was being done. */
  context?: string;
  /** The underlying error. */
  cause?: unknown;
  /** The HTTP status for kind `HTTPStatus` (required there, ignored elsewhere). */
  status?: number;
  /** Where in the input. */
  detail?: ErrorDetail;
}

const UPPER_SNAKE = /([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])/g;

/** `ConnectTimedout` -> `PINGORA_CONNECT_TIMEDOUT`, `HTTPStatus` -> `PINGORA_HTTP_STATUS`. */
function codeOf(kind: ErrorKind): string {
  return `PINGORA_${kind.replace(UPPER_SNAKE, (_, a, b, c, d) => (a ? `${a}_${b}` : `${c}_${d}`)).toUpperCase()}`;
}

function describeCause(cause: unknown): string {
  if (cause instanceof PingoraError) return cause.toString();
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${cause.name}${typeof code === 'string' ? ` ${code}` : ''}: ${cause.message}`;
  }
  try {
    return String(cause);
  } catch {
    // Objects without a usable toString (null prototype, throwing Symbol.toPrimitive).
    return Object.prototype.toString.call(cause);
  }
}

/**
 * The one error type of Pingora-TS. Errors are data: a {@link ErrorKind | kind}, a
 * {@link ErrorSource | source}, a {@link RetryDecision | retry decision}, a context chain
 * (outermost last) and a cause, never a bare string.
 *
 * @example
 * ```ts
 * const e = PingoraError.because('ConnectRefused', 'connecting to 127.0.0.1:9', sysErr).intoUpstream();
 * e.canRetry(false);          // true: nothing was sent
 * e.downstreamStatus();       // 502
 * e.toString();               // "ConnectRefused (upstream): connecting to 127.0.0.1:9; cause: Error ECONNREFUSED: ..."
 * ```
 */
export class PingoraError extends Error {
  /** What went wrong. */
  readonly kind: ErrorKind;
  /** A stable code derived from the kind, for callers that switch on `code`. */
  readonly code: string;
  /** Who caused it. */
  source: ErrorSource;
  /** Whether a retry is allowed. */
  retry: RetryDecision;
  /** What was being done, innermost first; {@link PingoraError.moreContext} appends. */
  readonly contexts: string[];
  /** HTTP status for kind `HTTPStatus`, else `undefined`. */
  readonly status: number | undefined;
  /** Where in the input, when known. */
  readonly detail: ErrorDetail | undefined;

  constructor(kind: ErrorKind, options: ErrorOptions = {}) {
    super('', options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PingoraError';
    this.kind = kind;
    this.code = codeOf(kind);
    this.source = options.source ?? 'internal';
    this.retry = options.retry ?? KIND_DEFAULTS[kind].retry;
    this.contexts = options.context === undefined ? [] : [options.context];
    if (kind === 'HTTPStatus') {
      const status = options.status;
      if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) {
        throw new RangeError(`PingoraError HTTPStatus needs a status in 100..599, got ${status}`);
      }
      this.status = status;
    } else {
      this.status = undefined;
    }
    this.detail = options.detail;
    this.message = this.describe();
  }

  /** A new error of `kind` with no context (Pingora's `Error::new`). */
  static new(kind: ErrorKind, source: ErrorSource = 'internal'): PingoraError {
    return new PingoraError(kind, { source });
  }

  /** A new error of `kind` that says what was being done (Pingora's `Error::explain`). */
  static explain(
    kind: ErrorKind,
    context: string,
    options: Omit<ErrorOptions, 'context'> = {},
  ): PingoraError {
    return new PingoraError(kind, { ...options, context });
  }

  /**
   * A new error of `kind` caused by `cause`, which is kept whole as `cause` (Pingora's
   * `Error::because`). A `PingoraError` cause keeps its own kind, source and chain.
   */
  static because(
    kind: ErrorKind,
    context: string,
    cause: unknown,
    options: Omit<ErrorOptions, 'context' | 'cause'> = {},
  ): PingoraError {
    return new PingoraError(kind, { ...options, context, cause });
  }

  /** An `HTTPStatus` error: a filter's decision to answer with `status`. */
  static status(status: number, context?: string, source: ErrorSource = 'internal'): PingoraError {
    return new PingoraError('HTTPStatus', {
      status,
      source,
      ...(context === undefined ? {} : { context }),
    });
  }

  /**
   * `value` itself when it is a `PingoraError`, otherwise a new error of `kind` (default
   * `InternalError`) whose cause is `value`. Use at the edge where foreign errors come in.
   */
  static from(value: unknown, kind: ErrorKind = 'InternalError', context?: string): PingoraError {
    if (value instanceof PingoraError) {
      if (context !== undefined) value.moreContext(context);
      return value;
    }
    return new PingoraError(kind, { cause: value, ...(context === undefined ? {} : { context }) });
  }

  /** Narrowing check that works across copies of this package (compares the `name` and shape). */
  static is(value: unknown): value is PingoraError {
    return (
      value instanceof PingoraError ||
      (value instanceof Error &&
        value.name === 'PingoraError' &&
        typeof (value as { kind?: unknown }).kind === 'string')
    );
  }

  /** Adds what was being done at an outer layer; returns `this` for chaining. */
  moreContext(context: string): this {
    this.contexts.push(context);
    this.message = this.describe();
    return this;
  }

  /** Re-sources the error as caused by the upstream peer; returns `this`. */
  intoUpstream(): this {
    this.source = 'upstream';
    this.message = this.describe();
    return this;
  }

  /** Re-sources the error as caused by the downstream client; returns `this`. */
  intoDownstream(): this {
    this.source = 'downstream';
    this.message = this.describe();
    return this;
  }

  /** Re-sources the error as internal; returns `this`. */
  intoInternal(): this {
    this.source = 'internal';
    this.message = this.describe();
    return this;
  }

  /** Sets the retry decision; returns `this`. */
  setRetry(retry: RetryDecision): this {
    this.retry = retry;
    return this;
  }

  /** True when a retry is allowed, given whether the failed connection was reused. */
  canRetry(isReused: boolean): boolean {
    return this.retry === 'always' || (this.retry === 'reused' && isReused);
  }

  /**
   * The status to answer the downstream client with, or `undefined` when the downstream
   * connection is gone and nothing can be written. `HTTPStatus` errors answer their status.
   */
  downstreamStatus(): number | undefined {
    if (this.status !== undefined) return this.status;
    const defaults = KIND_DEFAULTS[this.kind];
    switch (this.source) {
      case 'upstream':
        return defaults.upstreamStatus;
      case 'downstream':
        return defaults.downstreamStatus;
      default:
        return defaults.internalStatus;
    }
  }

  /** The innermost error of the cause chain that is a `PingoraError` (this one if none). */
  rootCause(): unknown {
    let current: unknown = this;
    const seen = new Set<unknown>();
    while (current instanceof Error && current.cause !== undefined && !seen.has(current)) {
      seen.add(current);
      current = current.cause;
    }
    return current;
  }

  /** The whole chain on one line: kind, source, status, context, detail, then the causes. */
  override toString(): string {
    return this.message;
  }

  private describe(): string {
    let text = `${this.kind}${this.status === undefined ? '' : ` ${this.status}`} (${this.source})`;
    if (this.contexts.length > 0) text += `: ${[...this.contexts].reverse().join(': ')}`;
    const d = this.detail;
    if (d !== undefined) {
      const parts: string[] = [];
      if (d.rule !== undefined) parts.push(d.rule);
      if (d.name !== undefined) parts.push(`name ${JSON.stringify(d.name)}`);
      if (d.offset !== undefined) parts.push(`at byte ${d.offset}`);
      if (d.file !== undefined) {
        parts.push(
          `in ${d.file}${d.line === undefined ? '' : `:${d.line}`}${d.column === undefined ? '' : `:${d.column}`}`,
        );
      } else if (d.line !== undefined) {
        parts.push(`at line ${d.line}${d.column === undefined ? '' : `:${d.column}`}`);
      }
      if (parts.length > 0) text += ` [${parts.join(', ')}]`;
    }
    if (this.cause !== undefined) text += `; cause: ${describeCause(this.cause)}`;
    return text;
  }
}
