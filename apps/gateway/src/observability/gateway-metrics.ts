import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/**
 * The gateway's Prometheus metrics, in a registry of its own (so several gateways in one
 * process, as in tests, do not collide): requests by route and status, latency, upstream
 * health, connection reuse, cache results, rate-limited requests and reloads.
 */
export class GatewayMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route'>;
  readonly upstreamConnections: Counter<'upstream' | 'reused'>;
  readonly cache: Counter<'route' | 'result'>;
  readonly rateLimited: Counter<'route'>;
  readonly authFailures: Counter<'route'>;
  readonly reloads: Counter<'result'>;
  readonly webSocketMessages: Counter<'route' | 'direction' | 'result'>;
  private runtime: (() => GatewayRuntime) | undefined;
  /**
   * Requests counted since the last scrape, by label set: a request adds 1 to a plain object
   * and the counter takes the totals when `/metrics` is read (prom-client hashes the labels on
   * every `inc`, even on a label-bound child).
   */
  private readonly pendingRequests = new Map<
    string,
    { labels: { route: string; method: string; status: string }; count: number }
  >();
  // Label-bound children, made once per label set (validation skipped).
  private readonly latencyChildren = new Map<string, { observe(value: number): void }>();

  constructor() {
    const registers = [this.registry];
    const pendingRequests = this.pendingRequests;
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
      collect() {
        for (const pending of pendingRequests.values()) {
          if (pending.count === 0) continue;
          this.inc(pending.labels, pending.count);
          pending.count = 0;
        }
      },
    });
    this.latency = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from the request head to the end of the response, by route.',
      labelNames: ['route'],
      // From sub-millisecond local answers to slow upstreams.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.upstreamConnections = new Counter({
      name: 'gateway_upstream_connections_total',
      help: 'Upstream connections used, by group and whether it came from the pool.',
      labelNames: ['upstream', 'reused'],
      registers,
    });
    this.cache = new Counter({
      name: 'gateway_cache_requests_total',
      help: 'Requests of cache-enabled routes, by cache result (hit, miss, ...).',
      labelNames: ['route', 'result'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests answered 429 by a rate limit.',
      labelNames: ['route'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'gateway_auth_failures_total',
      help: 'Requests answered 401 by JWT authentication.',
      labelNames: ['route'],
      registers,
    });
    this.reloads = new Counter({
      name: 'gateway_config_reloads_total',
      help: 'Configuration reloads, by result (applied or rejected).',
      labelNames: ['result'],
      registers,
    });
    this.webSocketMessages = new Counter({
      name: 'gateway_websocket_messages_total',
      help: 'WebSocket messages of message-level routes, by direction and result (relayed, dropped).',
      labelNames: ['route', 'direction', 'result'],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'gateway_upstream_backend_healthy',
      help: '1 when the backend is healthy, 0 when not, by group and backend.',
      labelNames: ['upstream', 'backend'],
      registers,
      collect() {
        this.reset();
        const runtime = self.runtime?.();
        if (runtime === undefined) return;
        for (const [name, group] of runtime.groups) {
          for (const b of group.status()) {
            this.set({ upstream: name, backend: b.address }, b.isHealthy ? 1 : 0);
          }
        }
      },
    });
  }

  /**
   * Counts one answered request and its duration. The method label is one of the methods of
   * RFC 9110 section 9 (and PATCH), else `OTHER`: a client inventing methods must not be able
   * to grow the metrics without bound.
   */
  recordRequest(route: string, method: string, status: number, seconds: number): void {
    const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
    const key = `${route}\n${m}\n${status}`;
    const pending = this.pendingRequests.get(key);
    if (pending !== undefined) pending.count++;
    else {
      this.pendingRequests.set(key, {
        labels: { route, method: m, status: String(status) },
        count: 1,
      });
    }
    let histogram = this.latencyChildren.get(route);
    if (histogram === undefined) {
      histogram = this.latency.labels({ route });
      this.latencyChildren.set(route, histogram);
    }
    histogram.observe(seconds);
  }

  /** Where the health gauge reads the current runtime from. */
  watchRuntime(current: () => GatewayRuntime): void {
    this.runtime = current;
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Its content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
