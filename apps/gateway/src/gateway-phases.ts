import { randomUUID } from 'node:crypto';
import { PingoraError } from '@pingora-ts/error';
import type { RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import {
  addForwardedHeaders,
  Filter,
  type FilterResult,
  isUpgradeRequest,
  type ProxyHttp,
  type ProxyPeer,
  type ProxySession,
} from '@pingora-ts/proxy';
import type { JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { GatewayMetrics } from './observability/gateway-metrics.js';
import { applyHeaderEdits } from './policy/header-edits.js';
import { rewriteTarget } from './policy/path-rewrite.js';
import { normalizePath } from './routing/normalize-path.js';
import type { PathParams } from './routing/path-pattern.js';
import type { CompiledRoute } from './runtime/compiled-route.js';
import type { GatewayRuntime } from './runtime/gateway-runtime.js';
import { SseKeepalive } from './sse-keepalive.js';

/** The per-request state of the gateway's phases. */
export interface GatewayCtx {
  /** The configuration this request runs under (a reload does not change it midway). */
  readonly runtime: GatewayRuntime;
  requestId: string;
  route: CompiledRoute | undefined;
  params: PathParams;
  claims: JWTPayload | undefined;
  /** RateLimit fields to add to the response. */
  rateHeaders: Readonly<Record<string, string>> | undefined;
  /** Request body bytes seen (against `max_body_bytes`). */
  bodyBytes: number;
  /** The client's Accept-Encoding, held back so the gateway does not compress this route. */
  heldAcceptEncoding: string | undefined;
  /** The upstream group of the current attempt. */
  upstream: string | undefined;
  sse: SseKeepalive | undefined;
}

/** What the phases need from the gateway around them. */
export interface GatewayPhasesHost {
  /** The runtime new requests start with. */
  current(): GatewayRuntime;
  readonly metrics: GatewayMetrics;
  /** Access log (one line per request) and errors; undefined: no access log. */
  readonly accessLog: Logger | undefined;
}

/**
 * Keeps in `phases` only the optional phases `runtime` needs, taking them from `all` (what
 * {@link gatewayPhases} built). The proxy skips an absent phase entirely: without a response
 * body filter, a small response leaves in one corked write with its head; without a request
 * body filter, a body streams upstream untouched. Called again on every reload; responses in
 * flight keep the filters they started with.
 */
export function tailorPhases(
  phases: ProxyHttp<GatewayCtx>,
  all: ProxyHttp<GatewayCtx>,
  runtime: GatewayRuntime,
): void {
  const routes = runtime.routes.map((r) => r.config);
  if (routes.some((r) => r.max_body_bytes !== undefined)) {
    phases.requestBodyFilter = all.requestBodyFilter;
  } else delete phases.requestBodyFilter;
  if (routes.some((r) => r.cache?.enabled === true)) {
    phases.requestCacheFilter = all.requestCacheFilter;
  } else delete phases.requestCacheFilter;
  // With a message filter every WebSocket is relayed message by message: only when a route
  // asks for it; otherwise upgrades are tunnelled byte for byte.
  if (routes.some((r) => typeof r.websocket === 'object')) {
    phases.webSocketMessageFilter = all.webSocketMessageFilter;
  } else delete phases.webSocketMessageFilter;
  if (routes.some((r) => r.sse?.keepalive_seconds !== undefined)) {
    phases.responseBodyFilter = all.responseBodyFilter;
  } else delete phases.responseBodyFilter;
}

/** A request id we pass on as it came: short visible ASCII (not a header-injection vector). */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The `ProxyHttp` phases that make `@pingora-ts/proxy` a config-driven gateway. The order of
 * the request-side checks is the cheapest rejection first: route, IP lists, CORS preflight,
 * body size, JWT, rate limit (after JWT so that it can key on a claim), then direct answers.
 */
export function gatewayPhases(host: GatewayPhasesHost): ProxyHttp<GatewayCtx> {
  return {
    newCtx: () => ({
      runtime: host.current(),
      requestId: '',
      route: undefined,
      params: {},
      claims: undefined,
      rateHeaders: undefined,
      bodyBytes: 0,
      heldAcceptEncoding: undefined,
      upstream: undefined,
      sse: undefined,
    }),

    earlyRequestFilter(session, ctx) {
      const given = session.request.headers.get('x-request-id');
      ctx.requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
      session.request.headers.set('X-Request-Id', ctx.requestId);
    },

    requestFilter: (session, ctx) => filterRequest(session, ctx, host),

    requestBodyFilter(_session, chunk, _isEnd, ctx) {
      const limit = ctx.route?.config.max_body_bytes;
      if (chunk === undefined || limit === undefined) return;
      ctx.bodyBytes += chunk.length;
      if (ctx.bodyBytes > limit) {
        throw PingoraError.explain('BodyTooLarge', `request body over ${limit} bytes`, {
          source: 'downstream',
        });
      }
    },

    requestCacheFilter(session, ctx) {
      // The cache phases of @pingora-ts/proxy look at this switch; the RFC 9111 storage behind
      // it comes with @pingora-ts/cache.
      session.cache.isEnabled = ctx.route?.config.cache?.enabled ?? false;
    },

    upstreamPeer(session, ctx): ProxyPeer {
      const route = ctx.route as CompiledRoute;
      const name = route.config.upstream as string;
      const group = ctx.runtime.groups.get(name);
      if (group === undefined) {
        throw PingoraError.explain('NoPeer', `no upstream group ${name}`);
      }
      ctx.upstream = name;
      const peer = group.select(
        hashKey(group.hashKey, session),
        (addr) => session.hasTried(addr),
        route.config.timeouts,
      );
      if (peer === undefined) {
        throw PingoraError.explain(
          session.retries > 0 ? 'NoPeer' : 'AllPeersDown',
          `no healthy backend left in ${name}`,
        );
      }
      return peer;
    },

    connectedToUpstream(_session, isReused, _peer, ctx) {
      host.metrics.upstreamConnections.inc({
        upstream: ctx.upstream ?? '',
        reused: isReused ? 'true' : 'false',
      });
    },

    upstreamRequestFilter(session, upstream, ctx) {
      prepareUpstreamRequest(session, upstream, ctx);
    },

    failToConnect(session, peer, error, ctx) {
      const group = ctx.upstream === undefined ? undefined : ctx.runtime.groups.get(ctx.upstream);
      group?.reportFailure(session.triedPeers.at(-1) ?? `${peer.host}:${peer.port}`, error);
      if (session.retries >= (ctx.route?.retries ?? 0)) error.setRetry('never');
      return error;
    },

    errorWhileProxy(session, _peer, error, ctx) {
      if (session.retries >= (ctx.route?.retries ?? 0)) error.setRetry('never');
      return error;
    },

    responseFilter(session, response, ctx) {
      decorateResponse(session, response, ctx);
    },

    webSocketMessageFilter(_session, message, direction, ctx) {
      const ws = ctx.route?.config.websocket;
      const route = ctx.route?.name ?? 'none';
      const toUpstream = direction === 'downstream-to-upstream';
      const labels = { route, direction: toUpstream ? 'to-upstream' : 'to-client' };
      if (typeof ws === 'object' && message.data.length > ws.max_message_bytes) {
        host.metrics.webSocketMessages.inc({ ...labels, result: 'dropped' });
        return null;
      }
      host.metrics.webSocketMessages.inc({ ...labels, result: 'relayed' });
      return undefined;
    },

    responseBodyFilter(_session, chunk, _isEnd, ctx) {
      if (chunk !== undefined) ctx.sse?.sawChunk(chunk);
    },

    logging(session, error, ctx) {
      ctx.sse?.stop();
      const route = ctx.route?.name ?? 'none';
      const status = session.response?.status ?? (error === undefined ? 0 : 499);
      const seconds = (session.timing.end - session.timing.start) / 1000;
      host.metrics.requests.inc({ route, method: session.request.method, status: String(status) });
      host.metrics.latency.observe({ route }, seconds);
      if (session.cache.isEnabled) {
        host.metrics.cache.inc({ route, result: cacheResult(session.cache.status) });
      }
      host.accessLog?.info(
        {
          reqId: ctx.requestId,
          method: session.request.method,
          path: session.request.path,
          status,
          bytes: session.bytesSent || Number(session.response?.headers.get('content-length') ?? 0),
          route,
          upstream:
            session.peer === undefined ? undefined : `${session.peer.host}:${session.peer.port}`,
          latencyMs: Math.round(seconds * 1e6) / 1000,
          cache: session.cache.isEnabled ? cacheResult(session.cache.status) : undefined,
          client: session.clientAddress,
          ...(error === undefined ? {} : { error: error.message }),
        },
        'request',
      );
    },
  };
}

async function filterRequest(
  session: ProxySession<GatewayCtx>,
  ctx: GatewayCtx,
  host: GatewayPhasesHost,
): Promise<FilterResult> {
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
  if (route.jwt !== undefined) {
    const result = await route.jwt.verify(request.headers.get('authorization'));
    if (!result.isValid) {
      host.metrics.authFailures.inc({ route: route.name });
      return json(401, { error: result.reason }, ctx, { 'WWW-Authenticate': result.challenge });
    }
    ctx.claims = result.claims;
  }
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

function prepareUpstreamRequest(
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

function decorateResponse(
  session: ProxySession<GatewayCtx>,
  response: ResponseHeader,
  ctx: GatewayCtx,
): void {
  const route = ctx.route;
  const h = response.headers;
  h.set('X-Request-Id', ctx.requestId);
  if (route === undefined) return;
  for (const [k, v] of Object.entries(ctx.rateHeaders ?? {})) h.set(k, v);
  route.cors?.decorate(session.request.headers, h);
  if (route.config.response_headers !== undefined) {
    applyHeaderEdits(h, route.config.response_headers, templateVars(session, ctx));
  }
  const sse = route.config.sse;
  if (sse !== undefined && /^text\/event-stream/i.test(h.get('content-type') ?? '')) {
    // Tell any proxy in front of us not to buffer the stream either (nginx honours this).
    h.set('X-Accel-Buffering', 'no');
    if (sse.keepalive_seconds !== undefined) {
      ctx.sse = new SseKeepalive(session.downstream, sse.keepalive_seconds * 1000);
    }
  }
}

function templateVars(session: ProxySession<GatewayCtx>, ctx: GatewayCtx): Record<string, string> {
  return {
    ...ctx.params,
    request_id: ctx.requestId,
    client_ip: session.clientAddress ?? '',
    route: ctx.route?.name ?? '',
  };
}

function rateKey(key: string, session: ProxySession<GatewayCtx>, ctx: GatewayCtx): string {
  if (key.startsWith('header:')) return session.request.headers.get(key.slice(7)) ?? '';
  if (key.startsWith('claim:')) {
    const v = ctx.claims?.[key.slice(6)];
    return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return session.clientAddress ?? '';
}

function hashKey(key: string | undefined, session: ProxySession<GatewayCtx>): string {
  if (key === undefined || key === 'path') return session.request.path;
  if (key === 'ip') return session.clientAddress ?? '';
  if (key.startsWith('header:')) return session.request.headers.get(key.slice(7)) ?? '';
  return session.request.path;
}

function cacheResult(status: string | undefined): string {
  if (status === undefined) return 'uncached';
  const s = status.toLowerCase();
  if (s.includes('hit')) return 'hit';
  if (s.includes('stale')) return 'stale';
  return 'miss';
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
