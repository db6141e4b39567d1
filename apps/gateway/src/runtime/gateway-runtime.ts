import type { GatewayConfig } from '../config/config-schema.js';
import { Router } from '../routing/router.js';
import { type UpstreamEventLog, UpstreamGroup } from '../upstream/upstream-group.js';
import { CompiledRoute } from './compiled-route.js';

/**
 * One configuration made ready to serve: the router over compiled routes and the upstream
 * groups. A reload builds a new runtime and swaps it in; requests in flight keep the runtime
 * they started with (it travels in their context), so nothing changes under them.
 *
 * State that a reload must not reset is carried over from the previous runtime where its
 * settings did not change: upstream groups (with their health: a backend found down stays
 * down instead of getting traffic until its checks fail again), rate limiters (a client does
 * not get a fresh burst per reload) and JWT verifiers (their JWKS and verified-token caches).
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
  constructor(config: GatewayConfig, baseDir: string, previous?: GatewayRuntime, now = Date.now()) {
    this.config = config;
    this.loadedAt = now;
    const before = new Map(previous?.routes.map((r) => [r.name, r]));
    this.routes = config.routes.map((r, i) => {
      const route = new CompiledRoute(r, i, before.get(r.name ?? `route-${i}`));
      return route;
    });
    this.router = new Router(
      this.routes.map((route) => ({
        route,
        ...(route.config.match === undefined ? {} : { match: route.config.match }),
        ...(route.config.priority === undefined ? {} : { priority: route.config.priority }),
      })),
    );
    const groups = new Map<string, UpstreamGroup>();
    for (const [name, u] of Object.entries(config.upstreams ?? {})) {
      const old = previous?.groups.get(name);
      const isSame = old !== undefined && JSON.stringify(old.config) === JSON.stringify(u);
      groups.set(name, isSame ? old : new UpstreamGroup(name, u, baseDir));
    }
    this.groups = groups;
  }

  /** Starts discovery and health checks of every group (idempotent for groups carried over). */
  start(log?: UpstreamEventLog): void {
    for (const g of this.groups.values()) g.start(log);
  }

  /** Stops them, except the groups `next` took over. */
  async stop(next?: GatewayRuntime): Promise<void> {
    const kept = new Set(next?.groups.values());
    await Promise.all([...this.groups.values()].filter((g) => !kept.has(g)).map((g) => g.stop()));
  }

  /** True when every group has a healthy backend (what `/readyz` answers). */
  get isReady(): boolean {
    for (const g of this.groups.values()) {
      if (!g.status().some((b) => b.isHealthy)) return false;
    }
    return true;
  }
}
