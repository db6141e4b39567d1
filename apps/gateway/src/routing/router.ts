import { HostPattern } from './host-pattern.js';
import { type PathParams, PathPattern } from './path-pattern.js';

/** What a route matches on; absent parts match anything. */
export interface RouteMatch {
  readonly hosts?: readonly string[];
  readonly paths?: readonly string[];
  readonly methods?: readonly string[];
}

/** A matched route with the parameters its path pattern captured. */
export interface RouterHit<T> {
  readonly route: T;
  readonly params: PathParams;
  /** The path pattern that matched (`undefined` for a route without paths). */
  readonly pattern: string | undefined;
}

interface Entry<T> {
  readonly route: T;
  readonly priority: number;
  readonly order: number;
  readonly hosts: readonly HostPattern[];
  readonly paths: readonly PathPattern[];
  readonly methods: ReadonlySet<string> | undefined;
  readonly specificity: number;
}

/**
 * Picks the route of a request: the matching route with the highest priority; among equal
 * priorities the most specific (exact host over wildcard host, literal path segments over
 * parameters over wildcards), then the one written first. Routes are few (tens), so a scan in
 * that order is faster than a trie would be to build and as fast to walk.
 *
 * @example
 * ```ts
 * const router = new Router([{ route: 'users', match: { paths: ['/users/:id'] } }]);
 * router.find('GET', 'example.com', '/users/42'); // { route: 'users', params: { id: '42' }, ... }
 * ```
 */
export class Router<T> {
  private readonly entries: readonly Entry<T>[];

  constructor(routes: readonly { route: T; match?: RouteMatch; priority?: number }[]) {
    const entries = routes.map((r, order): Entry<T> => {
      const hosts = (r.match?.hosts ?? []).map((h) => new HostPattern(h));
      const paths = (r.match?.paths ?? []).map((p) => new PathPattern(p));
      const hostScore = hosts.length === 0 ? 0 : Math.min(...hosts.map((h) => h.specificity));
      const pathScore = paths.length === 0 ? 0 : Math.min(...paths.map((p) => p.specificity));
      return {
        route: r.route,
        priority: r.priority ?? 0,
        order,
        hosts,
        paths,
        methods: r.match?.methods === undefined ? undefined : new Set(r.match.methods),
        specificity: hostScore * 1_000_000 + pathScore,
      };
    });
    entries.sort(
      (a, b) => b.priority - a.priority || b.specificity - a.specificity || a.order - b.order,
    );
    this.entries = entries;
  }

  /** The route for this request, or undefined (the gateway answers 404). */
  find(method: string, host: string | undefined, path: string): RouterHit<T> | undefined {
    const query = path.indexOf('?');
    const bare = query < 0 ? path : path.slice(0, query);
    for (const e of this.entries) {
      if (e.methods !== undefined && !e.methods.has(method)) continue;
      if (e.hosts.length > 0 && !e.hosts.some((h) => h.matches(host))) continue;
      if (e.paths.length === 0) return { route: e.route, params: {}, pattern: undefined };
      for (const p of e.paths) {
        const params = p.match(bare);
        if (params !== undefined) return { route: e.route, params, pattern: p.source };
      }
    }
    return undefined;
  }
}
