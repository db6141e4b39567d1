import { randomUUID } from 'node:crypto';
import { PingoraError } from '@pingora-ts/error';
import type { ProxyHttp, ProxyPeer } from '@pingora-ts/proxy';
import type { GatewayCtx, GatewayPhasesHost } from './gateway-ctx.js';
import { applyDefaultTtl } from './policy/default-ttl.js';
import { filterRequest } from './request-filter.js';
import { decorateResponse } from './response-decoration.js';
import type { CompiledRoute } from './runtime/compiled-route.js';
import type { GatewayRuntime } from './runtime/gateway-runtime.js';
import { hashKey, prepareUpstreamRequest } from './upstream-request.js';

export type { GatewayCtx, GatewayPhasesHost } from './gateway-ctx.js';

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
    phases.cacheKeyCallback = all.cacheKeyCallback;
  } else {
    delete phases.requestCacheFilter;
    delete phases.cacheKeyCallback;
  }
  if (routes.some((r) => r.cache?.default_ttl_seconds !== undefined)) {
    phases.upstreamResponseFilter = all.upstreamResponseFilter;
  } else delete phases.upstreamResponseFilter;
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
      session.cache.isEnabled = ctx.route?.config.cache?.enabled ?? false;
    },

    // The route is part of the key: after a reload moves a path to another route (another
    // upstream, another rewrite), it does not get the old route's answers.
    cacheKeyCallback: (_session, ctx) => ctx.route?.name ?? '',

    upstreamResponseFilter(session, response, ctx) {
      const ttl = ctx.route?.config.cache?.default_ttl_seconds;
      if (ttl !== undefined && session.cache.isEnabled) applyDefaultTtl(response.headers, ttl);
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
      host.metrics.recordRequest(route, session.request.method, status, seconds);
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

function cacheResult(status: string | undefined): string {
  if (status === undefined) return 'uncached';
  const s = status.toLowerCase();
  if (s.includes('hit')) return 'hit';
  if (s.includes('stale')) return 'stale';
  return 'miss';
}
