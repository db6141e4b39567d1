import { Filter, type FilterResult, isUpgradeRequest, type ProxySession } from '@pingora-ts/proxy';
import type { GatewayCtx, GatewayPhasesHost } from './gateway-ctx.js';
import { normalizePath } from './routing/normalize-path.js';
import type { CompiledRoute } from './runtime/compiled-route.js';

/**
 * The gateway's request filter. The order of the checks is the cheapest rejection first:
 * path normalisation, route, IP lists, CORS preflight, upgrade allowed, body size, JWT, rate
 * limit (after JWT so that it can key on a claim), then direct answers.
 */
export function filterRequest(
  session: ProxySession<GatewayCtx>,
  ctx: GatewayCtx,
  host: GatewayPhasesHost,
): FilterResult | Promise<FilterResult> {
  const request = session.request;
  if (request.rawTarget.startsWith('/')) {
    // Route by the normalised path and send that one upstream, so both agree on it.
    const path = request.path;
    const normal = normalizePath(path);
    if (normal !== path) request.rawTarget = normal + request.rawTarget.slice(path.length);
  }
  const hit = ctx.runtime.router.find(request.method, session.host, request.rawTarget);
  if (hit === undefined) {
    return json(404, { error: 'no route', path: request.path }, ctx);
  }
  const route = hit.route;
  ctx.route = route;
  ctx.params = hit.params;
  const config = route.config;

  if (route.ipAccess !== undefined && !route.ipAccess.isAllowed(session.clientAddress)) {
    return json(403, { error: 'forbidden' }, ctx);
  }
  if (route.cors?.isPreflight(request.method, request.headers)) {
    const answer = route.cors.preflight(request.headers);
    return Filter.respond(answer.status, '', { ...answer.headers, 'X-Request-Id': ctx.requestId });
  }
  if (isUpgradeRequest(request.headers) && (config.websocket ?? false) === false) {
    return json(403, { error: 'upgrade not enabled on this route' }, ctx);
  }
  const limit = config.max_body_bytes;
  const length = Number(request.headers.get('content-length') ?? 0);
  if (limit !== undefined && length > limit) {
    return json(413, { error: `request body over ${limit} bytes` }, ctx);
  }
  // Only a route with JWT waits for anything: the others are answered without a promise.
  if (route.jwt !== undefined) return verifyThenFinish(session, ctx, host, route, route.jwt);
  return finishFilter(session, ctx, host);
}

/** JWT verification with the route's `jwt`, then the rest of the filter. */
async function verifyThenFinish(
  session: ProxySession<GatewayCtx>,
  ctx: GatewayCtx,
  host: GatewayPhasesHost,
  route: CompiledRoute,
  jwt: NonNullable<CompiledRoute['jwt']>,
): Promise<FilterResult> {
  const result = await jwt.verify(session.request.headers.get('authorization'));
  if (!result.isValid) {
    host.metrics.authFailures.inc({ route: route.name });
    return json(401, { error: result.reason }, ctx, { 'WWW-Authenticate': result.challenge });
  }
  ctx.claims = result.claims;
  return finishFilter(session, ctx, host);
}

/** The checks after JWT: rate limit, direct answers, compression. */
function finishFilter(
  session: ProxySession<GatewayCtx>,
  ctx: GatewayCtx,
  host: GatewayPhasesHost,
): FilterResult {
  const request = session.request;
  const route = ctx.route as CompiledRoute;
  const config = route.config;
  if (route.rateLimiter !== undefined) {
    const verdict = route.rateLimiter.check(rateKey(route.rateLimiter.key, session, ctx));
    ctx.rateHeaders = verdict.headers;
    if (!verdict.isAllowed) {
      host.metrics.rateLimited.inc({ route: route.name });
      return json(429, { error: 'rate limited' }, ctx, {
        ...verdict.headers,
        'Retry-After': String(verdict.retryAfterSeconds),
      });
    }
  }
  if (config.respond !== undefined) {
    const r = config.respond;
    const headers = new Map<string, string>(Object.entries(r.headers ?? {}));
    headers.set('X-Request-Id', ctx.requestId);
    for (const [k, v] of Object.entries(ctx.rateHeaders ?? {})) headers.set(k, v);
    return Filter.respond(r.status, r.body ?? '', [...headers]);
  }
  if (!route.isCompressed) {
    // Hidden from the proxy's compression module; given back to the upstream request.
    ctx.heldAcceptEncoding = request.headers.get('accept-encoding');
    request.headers.remove('accept-encoding');
  }
  return undefined;
}

function rateKey(key: string, session: ProxySession<GatewayCtx>, ctx: GatewayCtx): string {
  if (key.startsWith('header:')) return session.request.headers.get(key.slice(7)) ?? '';
  if (key.startsWith('claim:')) {
    const v = ctx.claims?.[key.slice(6)];
    return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return session.clientAddress ?? '';
}

function json(
  status: number,
  body: Record<string, unknown>,
  ctx: GatewayCtx,
  headers: Record<string, string> = {},
): FilterResult {
  return Filter.respond(status, `${JSON.stringify({ ...body, requestId: ctx.requestId })}\n`, {
    ...headers,
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'X-Request-Id': ctx.requestId,
  });
}
