import type { HeaderMap } from './header-map.js';

/**
 * A request method: a token (RFC 9110 9.1). The registered ones are listed for completion;
 * any other token is allowed, and methods are case-sensitive.
 */
export type Method =
  | 'GET'
  | 'HEAD'
  | 'POST'
  | 'PUT'
  | 'DELETE'
  | 'CONNECT'
  | 'OPTIONS'
  | 'TRACE'
  | 'PATCH'
  | (string & {});

/**
 * The HTTP/1.x versions this codec speaks (RFC 9112 2.3). Other versions (0.9, 2.0 in an
 * HTTP/1 start line, 1.2, ...) are rejected.
 */
export type Version = 'HTTP/1.0' | 'HTTP/1.1';

/**
 * A parsed or to-be-sent request head (RFC 9112 3). The target is kept exactly as received;
 * {@link RequestHeader.path} and {@link RequestHeader.query} are views over it.
 */
export class RequestHeader {
  /** The method, case-sensitive. */
  method: Method;
  /** The request-target as received, one character per byte (latin1). */
  rawTarget: string;
  /** Protocol version. */
  version: Version;
  /** Header fields in wire order and case. */
  headers: HeaderMap;

  constructor(method: Method, rawTarget: string, version: Version, headers: HeaderMap) {
    this.method = method;
    this.rawTarget = rawTarget;
    this.version = version;
    this.headers = headers;
  }

  /** The request-target bytes exactly as received. */
  get target(): Uint8Array {
    return Buffer.from(this.rawTarget, 'latin1');
  }

  /** The target up to (not including) the first `?`; the whole target for `*` and authority forms. */
  get path(): string {
    const q = this.rawTarget.indexOf('?');
    return q < 0 ? this.rawTarget : this.rawTarget.slice(0, q);
  }

  /** The text after the first `?` (RFC 3986 3.4), or `undefined` when there is no `?`. */
  get query(): string | undefined {
    const q = this.rawTarget.indexOf('?');
    return q < 0 ? undefined : this.rawTarget.slice(q + 1);
  }
}

/** A parsed or to-be-sent response head (RFC 9112 4). */
export class ResponseHeader {
  /** Three-digit status code, 100..999 on the wire (RFC 9110 15). */
  status: number;
  /** Reason phrase, possibly empty (RFC 9112 4: clients ignore it). */
  reason: string;
  /** Protocol version. */
  version: Version;
  /** Header fields in wire order and case. */
  headers: HeaderMap;

  constructor(status: number, reason: string, version: Version, headers: HeaderMap) {
    this.status = status;
    this.reason = reason;
    this.version = version;
    this.headers = headers;
  }
}
