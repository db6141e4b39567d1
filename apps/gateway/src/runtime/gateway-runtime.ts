import type { GatewayConfig } from '../config/config-schema.js';
import { Router } from '../routing/router.js';
import { UpstreamGroup } from '../upstream/upstream-group.js';
import { CompiledRoute } from './compiled-route.js';

/**
 * One configuration made ready to serve: the router over compiled routes and the upstream
 * groups. A reload builds a new runtime and swaps it in; requests in flight keep the runtime
 * they started with (it travels in their context), so nothing changes under them.
 */
export class GatewayRuntime {
  /** The configuration it was built from. */
  readonly config: GatewayConfig;
  /** The routes, in configuration order. */
  readonly routes: readonly CompiledRoute[];
  /** Chooses a route per request. */
  readonly router: Router<CompiledRoute>;
  /** The upstream groups by name. */
  readonly groups: ReadonlyMap<string, UpstreamGroup>;
  /** When it was built (ms since the epoch). */
  readonly loadedAt: number;

  /** @throws when a part cannot be built (the caller keeps the old runtime). */
  constructor(config: GatewayConfig, baseDir: string, now = Date.now()) {
    this.config = config;
    this.loadedAt = now;
    this.routes = config.routes.map((r, i) => new CompiledRoute(r, i));
    this.router = new Router(
      this.routes.map((route) => ({
        route,
        ...(route.config.match === undefined ? {} : { match: route.config.match }),
        ...(route.config.priority === undefined ? {} : { priority: route.config.priority }),
      })),
    );
    const groups = new Map<string, UpstreamGroup>();
    for (const [name, u] of Object.entries(config.upstreams ?? {})) {
      groups.set(name, new UpstreamGroup(name, u, baseDir));
    }
    this.groups = groups;
  }

  /** Starts discovery and health checks of every group. */
  start(): void {
    for (const g of this.groups.values()) g.start();
  }

  /** Stops them. */
  async stop(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
  }

  /** True when every group has a healthy backend (what `/readyz` answers). */
  get isReady(): boolean {
    for (const g of this.groups.values()) {
      if (!g.status().some((b) => b.isHealthy)) return false;
    }
    return true;
  }
}
