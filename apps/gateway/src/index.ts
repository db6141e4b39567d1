/**
 * The Pingora-TS gateway: a config-driven reverse proxy and API gateway on
 * `@pingora-ts/proxy`. A YAML file (validated by a zod schema whose errors name the file,
 * line, column and key) declares listeners, upstream groups (load balancing, health checks,
 * static, DNS or file discovery) and routes (host and path patterns with parameters and
 * wildcards, methods, priority, rewrites, header edits, timeouts, retries, body limits, CORS,
 * IP lists, rate limits, JWT, WebSocket and SSE); {@link Gateway} serves it, with Prometheus
 * metrics, pino access logs, request ids, health endpoints and hot reload.
 *
 * @example
 * ```ts
 * import { Gateway, parseConfig } from '@pingora-ts/gateway';
 *
 * const config = parseConfig(
 *   `
 * listeners: [{ address: "127.0.0.1:0" }]
 * routes:
 *   - match: { paths: ["/hello/:name"] }
 *     respond: { status: 200, body: "hello from a route" }
 * `,
 *   'inline.yaml',
 * );
 * const gateway = await Gateway.start({ config });
 * const res = await fetch(`${gateway.listeners[0]?.url}/hello/world`);
 * console.log(res.status, await res.text()); // 200 hello from a route
 * await gateway.close();
 * ```
 *
 * @packageDocumentation
 */
export { type BannerFacts, banner } from './banner.js';
export { HELP, type ParsedCommand, parseCommand } from './cli-commands.js';
export {
  type GatewayConfig,
  gatewayConfigSchema,
  type ListenerConfigEntry,
  type RouteConfig,
  type UpstreamConfig,
} from './config/config-schema.js';
export { DEFAULT_CONFIG, DEFAULT_CONFIG_NAME } from './config/default-config.js';
export { interpolate } from './config/interpolate.js';
export {
  type CheckedConfig,
  checkConfigText,
  issuesOf,
  loadConfigFile,
  parseConfig,
} from './config/load-config.js';
export { type DemoStack, startDemoStack } from './demo/demo-stack.js';
export { type DemoUpstream, startDemoUpstream } from './demo/demo-upstream.js';
export {
  type DevCertificate,
  defaultDevCertificateDir,
  ensureDevCertificate,
} from './dev-certificate.js';
export {
  type BoundGatewayListener,
  GATEWAY_DEFAULTS,
  Gateway,
  type GatewayOptions,
  type ReloadResult,
} from './gateway.js';
export {
  type GatewayCtx,
  type GatewayPhasesHost,
  gatewayPhases,
  tailorPhases,
} from './gateway-phases.js';
export { GatewayMetrics } from './observability/gateway-metrics.js';
export { createLogger, type LoggingSettings } from './observability/logger.js';
export { CorsPolicy, type CorsSettings } from './policy/cors-policy.js';
export { applyHeaderEdits, fillTemplate, type HeaderEdits } from './policy/header-edits.js';
export { IpAccess } from './policy/ip-access.js';
export {
  JWT_DEFAULTS,
  type JwtResult,
  type JwtSettings,
  JwtVerifier,
} from './policy/jwt-verifier.js';
export { type RewriteSettings, rewriteTarget } from './policy/path-rewrite.js';
export {
  RATE_LIMIT_DEFAULTS,
  RateLimiter,
  type RateLimitSettings,
  type RateVerdict,
} from './policy/rate-limiter.js';
export { HostPattern, stripPort } from './routing/host-pattern.js';
export { normalizePath } from './routing/normalize-path.js';
export { type PathParams, PathPattern } from './routing/path-pattern.js';
export { type RouteMatch, Router, type RouterHit } from './routing/router.js';
export { CompiledRoute, ROUTE_DEFAULTS } from './runtime/compiled-route.js';
export { GatewayRuntime } from './runtime/gateway-runtime.js';
export { SseKeepalive } from './sse-keepalive.js';
export {
  type BackendStatus,
  type UpstreamEventLog,
  UpstreamGroup,
} from './upstream/upstream-group.js';
export { VERSION } from './version.js';
