/**
 * Server-name matching for SNI certificate selection (RFC 6125 6.4.3): names compare without
 * regard to case; a wildcard may stand only as the whole leftmost label (`*.example.com`) and
 * matches exactly one label, so `*.example.com` covers `a.example.com` but neither
 * `example.com` nor `a.b.example.com`.
 */
export function matchesServerName(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === n;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot + 1) === p.slice(2);
}
