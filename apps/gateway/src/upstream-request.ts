import type { RequestHeader } from '@pingora-ts/http-parser';
import { addForwardedHeaders, type ProxySession } from '@pingora-ts/proxy';
import type { GatewayCtx } from './gateway-ctx.js';
import { applyHeaderEdits } from './policy/header-edits.js';
import { rewriteTarget } from './policy/path-rewrite.js';
import type { CompiledRoute } from './runtime/compiled-route.js';

/** Rewrites the request sent upstream: target, Host, forwarding fields, claims, header edits. */
export function prepareUpstreamRequest(
  session: ProxySession<GatewayCtx>,
  upstream: RequestHeader,
  ctx: GatewayCtx,
): void {
  const route = ctx.route as CompiledRoute;
  const config = route.config;
  upstream.rawTarget = rewriteTarget(upstream.rawTarget, config.rewrite, ctx.params);
  if (config.rewrite?.host !== undefined) upstream.headers.set('Host', config.rewrite.host);
  if (ctx.heldAcceptEncoding !== undefined) {
    upstream.headers.set('Accept-Encoding', ctx.heldAcceptEncoding);
  }
  addForwardedHeaders(session, upstream);
  if (ctx.claims !== undefined && route.jwt !== undefined) {
    for (const [name, value] of route.jwt.forwardedHeaders(ctx.claims)) {
      upstream.headers.set(name, value);
    }
  }
  if (config.request_headers !== undefined) {
    applyHeaderEdits(upstream.headers, config.request_headers, templateVars(session, ctx));
  }
}

/** Values `{name}` in header templates may use: route parameters and request facts. */
export function templateVars(
  session: ProxySession<GatewayCtx>,
  ctx: GatewayCtx,
): Record<string, string> {
  return {
    ...ctx.params,
    request_id: ctx.requestId,
    client_ip: session.clientAddress ?? '',
    route: ctx.route?.name ?? '',
  };
}

/** What `consistent-hash` and `fnv-hash` groups hash for a request (`hash_key`). */
export function hashKey(key: string | undefined, session: ProxySession<GatewayCtx>): string {
  if (key === undefined || key === 'path') return session.request.path;
  if (key === 'ip') return session.clientAddress ?? '';
  if (key.startsWith('header:')) return session.request.headers.get(key.slice(7)) ?? '';
  return session.request.path;
}
