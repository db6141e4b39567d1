import type { ResponseHeader } from '@pingora-ts/http-parser';
import type { ProxySession } from '@pingora-ts/proxy';
import type { GatewayCtx } from './gateway-ctx.js';
import { removeDefaultTtl } from './policy/default-ttl.js';
import { applyHeaderEdits } from './policy/header-edits.js';
import { SseKeepalive } from './sse-keepalive.js';
import { templateVars } from './upstream-request.js';

/** Adds what the gateway puts on every response: request id, RateLimit, CORS, header edits, SSE. */
export function decorateResponse(
  session: ProxySession<GatewayCtx>,
  response: ResponseHeader,
  ctx: GatewayCtx,
): void {
  const route = ctx.route;
  const h = response.headers;
  removeDefaultTtl(h);
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
