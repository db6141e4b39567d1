import type { PathParams } from '../routing/path-pattern.js';
import { fillTemplate } from './header-edits.js';

/** The `rewrite` key of a route. */
export interface RewriteSettings {
  readonly strip_prefix?: string | undefined;
  readonly add_prefix?: string | undefined;
  readonly path?: string | undefined;
  readonly host?: string | undefined;
}

/**
 * The request target sent upstream: `path` (a template over the route's parameters, `{*}` for
 * what `**` matched) replaces the path, else `strip_prefix` then `add_prefix` apply. The query
 * string is always kept.
 *
 * @example
 * ```ts
 * rewriteTarget('/api/users?x=1', { strip_prefix: '/api' }, {}); // '/users?x=1'
 * ```
 */
export function rewriteTarget(
  target: string,
  rewrite: RewriteSettings | undefined,
  params: PathParams,
): string {
  if (rewrite === undefined) return target;
  const q = target.indexOf('?');
  let path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  if (rewrite.path !== undefined) {
    path = fillTemplate(rewrite.path, params);
  } else {
    const strip = rewrite.strip_prefix;
    if (
      strip !== undefined &&
      (path === strip || path.startsWith(strip.endsWith('/') ? strip : `${strip}/`))
    ) {
      path = path.slice(strip.length);
      if (!path.startsWith('/')) path = `/${path}`;
    }
    if (rewrite.add_prefix !== undefined) {
      const prefix = rewrite.add_prefix.endsWith('/')
        ? rewrite.add_prefix.slice(0, -1)
        : rewrite.add_prefix;
      path = `${prefix}${path}`;
    }
  }
  return `${path}${query}`;
}
