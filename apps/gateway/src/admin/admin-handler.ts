import type { HttpSession } from '@pingora-ts/http-server';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';

/** What the admin endpoints read. */
export interface AdminSource {
  readonly metrics: GatewayMetrics;
  current(): GatewayRuntime;
  /** Seconds since start. */
  uptimeSeconds(): number;
  /** The config file, or `(embedded default)`. */
  readonly configName: string;
  /** Counts of reloads so far. */
  reloads(): { applied: number; rejected: number; lastError: string | undefined };
  /** The version of the gateway. */
  readonly version: string;
}

/**
 * The admin listener's endpoints: `/metrics` (Prometheus text format), `/healthz` (the process
 * is up), `/readyz` (every upstream group has a healthy backend: 200, else 503) and `/status`
 * (JSON of routes, upstreams and their health).
 */
export function adminHandler(source: AdminSource): (session: HttpSession) => Promise<void> {
  return async (session) => {
    const path = session.request.path;
    if (session.request.method !== 'GET' && session.request.method !== 'HEAD') {
      await session.respond(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (path === '/metrics') {
      const text = await source.metrics.render();
      await session.respond(200, text, { 'Content-Type': source.metrics.contentType });
    } else if (path === '/healthz') {
      await session.respond(200, 'ok\n', { 'Content-Type': 'text/plain' });
    } else if (path === '/readyz') {
      const ready = source.current().isReady;
      await session.respond(
        ready ? 200 : 503,
        ready ? 'ready\n' : 'no healthy backend in some upstream\n',
        {
          'Content-Type': 'text/plain',
        },
      );
    } else if (path === '/status') {
      await session.respond(200, `${JSON.stringify(status(source), null, 2)}\n`, {
        'Content-Type': 'application/json',
      });
    } else {
      await session.respond(404, 'try /metrics, /healthz, /readyz or /status\n', {
        'Content-Type': 'text/plain',
      });
    }
  };
}

function status(source: AdminSource): Record<string, unknown> {
  const runtime = source.current();
  return {
    version: source.version,
    uptimeSeconds: Math.round(source.uptimeSeconds()),
    config: source.configName,
    loadedAt: new Date(runtime.loadedAt).toISOString(),
    reloads: source.reloads(),
    isReady: runtime.isReady,
    routes: runtime.routes.map((r) => ({
      name: r.name,
      priority: r.config.priority ?? 0,
      hosts: r.config.match?.hosts ?? ['*'],
      paths: r.config.match?.paths ?? ['/**'],
      methods: r.config.match?.methods ?? ['*'],
      upstream: r.config.upstream ?? null,
      features: [
        r.jwt && 'jwt',
        r.rateLimiter && 'rate_limit',
        r.cors && 'cors',
        r.ipAccess && 'ip',
        r.config.cache?.enabled && 'cache',
        r.config.websocket && 'websocket',
        r.config.sse && 'sse',
      ].filter((f): f is string => typeof f === 'string'),
    })),
    upstreams: Object.fromEntries(
      [...runtime.groups].map(([name, g]) => [
        name,
        {
          algorithm: runtime.config.upstreams?.[name]?.algorithm ?? 'round-robin',
          backends: g.status(),
        },
      ]),
    ),
  };
}
