import { isIP } from 'node:net';

/** A TCP address split into host and port. */
export interface HostPort {
  /** IPv4 or IPv6 literal, or a host name (`localhost`). */
  readonly host: string;
  /** 0..65535 (0 picks a free port; only useful in tests). */
  readonly port: number;
}

/**
 * Splits `host:port`, with IPv6 hosts in brackets as in URLs (RFC 3986 3.2.2: `[::1]:8080`).
 * Returns a message instead of throwing, so the config loader can place it at a line.
 */
export function parseHostPort(address: string): HostPort | string {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || address[close + 1] !== ':') return `"${address}" is not [ipv6]:port`;
    host = address.slice(1, close);
    portText = address.slice(close + 2);
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  } else {
    const colon = address.lastIndexOf(':');
    if (colon <= 0) return `"${address}" is not host:port`;
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (host.includes(':')) return `IPv6 address "${host}" needs brackets: [${host}]:port`;
  }
  if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" is not a number`;
  const port = Number(portText);
  if (port > 65535) return `port ${port} is out of range 0..65535`;
  return { host, port };
}

/** `host:port` with IPv6 hosts bracketed: the inverse of {@link parseHostPort}. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
