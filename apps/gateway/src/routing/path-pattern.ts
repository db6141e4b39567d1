/** Parameters a pattern captured: `:name` segments, and `*` for what `**` matched. */
export type PathParams = Readonly<Record<string, string>>;

type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'rest' };

/**
 * A path pattern: `/` separated segments, each a literal, a `:name` parameter (one segment),
 * `*` (any one segment) or, last only, `**` (zero or more segments, captured as `*`). Matching
 * is on the decoded-free request path without its query, case-sensitive (RFC 3986 section
 * 6.2.2.1: the path is case-sensitive), and a trailing slash counts as an empty segment.
 *
 * @example
 * ```ts
 * const p = new PathPattern('/users/:id/**');
 * p.match('/users/42/posts/7'); // { id: '42', '*': 'posts/7' }
 * ```
 */
export class PathPattern {
  /** The pattern as written. */
  readonly source: string;
  /** Orders overlapping patterns: literal segments weigh most, then parameters, then wildcards. */
  readonly specificity: number;
  private readonly segments: readonly Segment[];

  /** @throws TypeError on a pattern that does not start with `/` or has `**` before the end. */
  constructor(source: string) {
    if (!source.startsWith('/')) throw new TypeError(`path pattern must start with /: ${source}`);
    this.source = source;
    const parts = source.slice(1).split('/');
    this.segments = parts.map((part, i): Segment => {
      if (part === '**') {
        if (i !== parts.length - 1) throw new TypeError(`** must be last in ${source}`);
        return { kind: 'rest' };
      }
      if (part === '*') return { kind: 'any' };
      if (part.startsWith(':') && part.length > 1) return { kind: 'param', name: part.slice(1) };
      return { kind: 'literal', text: part };
    });
    let score = 0;
    for (const s of this.segments) {
      score += s.kind === 'literal' ? 1000 : s.kind === 'param' ? 100 : s.kind === 'any' ? 10 : 0;
    }
    this.specificity = score;
  }

  /** The parameters when `path` (no query) matches, else undefined. */
  match(path: string): PathParams | undefined {
    const parts = path.slice(1).split('/');
    const segments = this.segments;
    const params: Record<string, string> = {};
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as Segment;
      if (s.kind === 'rest') {
        params['*'] = parts.slice(i).join('/');
        return params;
      }
      const part = parts[i];
      if (part === undefined) return undefined;
      if (s.kind === 'literal') {
        if (part !== s.text) return undefined;
      } else if (s.kind === 'param') {
        if (part === '') return undefined;
        params[s.name] = part;
      } else if (part === '') {
        return undefined;
      }
    }
    return parts.length === segments.length ? params : undefined;
  }
}
