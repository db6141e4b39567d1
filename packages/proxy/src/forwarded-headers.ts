import { isIPv6 } from 'node:net';
import type { RequestHeader } from '@pingora-ts/http-parser';
import type { ProxySession } from './proxy-session.js';

/** Which forwarding fields {@link addForwardedHeaders} writes; every default is `true` but `forwarded` and `via`. */
export interface ForwardedOptions {
  /** Append the client address to `X-Forwarded-For`. Default true. */
  forwardedFor?: boolean;
  /** Set `X-Forwarded-Proto` to `http` or `https`. Default true. */
  forwardedProto?: boolean;
  /** Set `X-Forwarded-Host` to the Host the client asked for. Default true. */
  forwardedHost?: boolean;
  /** Append an RFC 7239 `Forwarded` element (for, proto, host). Default false. */
  forwarded?: boolean;
  /** Append `Via: 1.1 <name>` (RFC 9110 section 7.6.3) with this pseudonym. Default: none. */
  via?: string;
}

/** `Forwarded` node syntax (RFC 7239 section 6): IPv6 addresses are bracketed and quoted. */
function forwardedNode(address: string): string {
  return isIPv6(address) ? `"[${address}]"` : address;
}

/** A quoted-string when the value is not a token (RFC 7239 section 4). */
function forwardedValue(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)
    ? value
    : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Adds the forwarding fields a reverse proxy usually sends upstream: `X-Forwarded-For`,
 * `-Proto` and `-Host`, and optionally `Forwarded` (RFC 7239) and `Via`. Call it from
 * `upstreamRequestFilter`.
 *
 * @example
 * ```ts
 * upstreamRequestFilter: (session, upstream) => addForwardedHeaders(session, upstream, { via: 'edge' }),
 * ```
 */
export function addForwardedHeaders(
  session: ProxySession<unknown>,
  upstream: RequestHeader,
  options: ForwardedOptions = {},
): void {
  const h = upstream.headers;
  const client = session.clientAddress ?? 'unknown';
  const proto = session.isTls ? 'https' : 'http';
  const host = session.request.headers.get('host');
  if (options.forwardedFor !== false) {
    const prior = h.getAll('x-forwarded-for').join(', ');
    h.set('X-Forwarded-For', prior.length > 0 ? `${prior}, ${client}` : client);
  }
  if (options.forwardedProto !== false) h.set('X-Forwarded-Proto', proto);
  if (options.forwardedHost !== false && host !== undefined) h.set('X-Forwarded-Host', host);
  if (options.forwarded === true) {
    let element = `for=${forwardedNode(client)};proto=${proto}`;
    if (host !== undefined) element += `;host=${forwardedValue(host)}`;
    h.append('Forwarded', element);
  }
  if (options.via !== undefined) {
    const version = session.protocol === 'h2' ? '2' : session.request.version.slice(5);
    h.append('Via', `${version} ${options.via}`);
  }
}
