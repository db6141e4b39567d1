/** Characters RFC 3986 section 2.3 calls unreserved: their percent-encodings mean the same. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The path a route is chosen by, and that goes upstream: percent-encoded unreserved characters
 * decoded (RFC 3986 section 6.2.2.2: `%7E` is `~`, `%2E` is `.`), runs of slashes merged, and
 * dot segments removed (section 5.2.4: `/a/./b/../c` is `/a/c`; `..` never climbs above the
 * root). Without this, `/public/%2e%2e/admin` would be routed by its `/public` prefix, skip the
 * policies of the admin route, and reach an upstream that resolves it to `/admin`.
 *
 * @example
 * ```ts
 * normalizePath('/a//b/%2E%2E/c/./d'); // '/a/c/d'
 * ```
 */
export function normalizePath(path: string): string {
  if (!needsWork(path)) return path;
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : encoded.toUpperCase();
  });
  const out: string[] = [];
  const parts = decoded.split('/');
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    const isLast = i === parts.length - 1;
    if (part === '.' || part === '..') {
      if (part === '..') out.pop();
      // `/a/b/..` is `/a/`: a dot segment at the end leaves a trailing slash.
      if (isLast) out.push('');
    } else if (part !== '' || isLast) {
      out.push(part);
    }
  }
  return `/${out.join('/')}`;
}

/** A fast check: only paths with `%`, `//` or a dot segment change. */
function needsWork(path: string): boolean {
  return path.includes('%') || path.includes('//') || /\/\.\.?(\/|$)/.test(path);
}
