/**
 * A host pattern: an exact name (`api.example.com`), a leading wildcard (`*.example.com`,
 * one or more labels before the suffix) or `*` (any host). Compared without the port and
 * case-insensitively (RFC 9110 section 4.2.3: the host is case-insensitive).
 */
export class HostPattern {
  /** The pattern as written. */
  readonly source: string;
  /** Exact names outrank wildcards, longer suffixes outrank shorter ones. */
  readonly specificity: number;
  private readonly exact: string | undefined;
  private readonly suffix: string | undefined;

  constructor(source: string) {
    this.source = source;
    const s = source.toLowerCase();
    if (s === '*') {
      this.specificity = 0;
    } else if (s.startsWith('*.')) {
      this.suffix = s.slice(1);
      this.specificity = this.suffix.length;
    } else {
      this.exact = s;
      this.specificity = 10_000;
    }
  }

  /** True when `host` (a Host header value, port allowed) matches. */
  matches(host: string | undefined): boolean {
    if (this.exact === undefined && this.suffix === undefined) return true;
    if (host === undefined) return false;
    const name = stripPort(host).toLowerCase();
    if (this.exact !== undefined) return name === this.exact;
    return name.length > (this.suffix as string).length && name.endsWith(this.suffix as string);
  }
}

/** `example.com:8080` -> `example.com`; `[::1]:8080` -> `::1`. */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
