import type { JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { GatewayMetrics } from './observability/gateway-metrics.js';
import type { PathParams } from './routing/path-pattern.js';
import type { CompiledRoute } from './runtime/compiled-route.js';
import type { GatewayRuntime } from './runtime/gateway-runtime.js';
import type { SseKeepalive } from './sse-keepalive.js';

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
