/**
 * Server-name matching for SNI certificate selection (RFC 6125 6.4.3): names compare without
 * regard to case (a trailing dot on the name is ignored); a wildcard may stand only as the
 * whole leftmost label (`*.example.com`) and matches exactly one non-empty label, so
 * `*.example.com` covers `a.example.com` but neither `example.com` nor `a.b.example.com`. As
 * OpenSSL's `X509_check_host` does, a wildcard needs two labels after it (`*.com` matches
 * nothing).
 */
export function matchesServerName(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === n;
  const suffix = p.slice(2);
  if (!suffix.includes('.')) return false;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot + 1) === suffix;
}
