import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { HttpCache } from '@pingora-ts/cache';
import { PingoraError } from '@pingora-ts/error';
import { HttpServer } from '@pingora-ts/http-server';
import { HttpProxy, type ProxyHttp } from '@pingora-ts/proxy';
import { type ListenerConfig, Server } from '@pingora-ts/server';
import type { DestinationStream, Logger } from 'pino';
import { adminHandler } from './admin/admin-handler.js';
import type { GatewayConfig, ListenerConfigEntry } from './config/config-schema.js';
import { issuesOf } from './config/load-config.js';
import { ensureDevCertificate } from './dev-certificate.js';
import { type GatewayCtx, gatewayPhases, tailorPhases } from './gateway-phases.js';
import { h2Application } from './h2-application.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';
import { createLogger } from './observability/logger.js';
import { GatewayRuntime } from './runtime/gateway-runtime.js';
import { VERSION } from './version.js';

/** Options of {@link Gateway.start}; defaults in {@link GATEWAY_DEFAULTS}. */
export interface GatewayOptions {
  /** The configuration to start with. */
  readonly config: GatewayConfig;
  /** Where a reload reads the configuration from (a file loader); without it reload re-applies `config`. */
  readonly load?: () => GatewayConfig;
  /** The config file: watched for changes (unless `watch: false`), named in `/status`. */
  readonly file?: string;
  /** Relative paths of the config (discovery files) resolve against it. Default: the file's directory, else the working directory. */
  readonly baseDir?: string;
  /** Log lines go here instead of stdout (tests). */
  readonly logDestination?: DestinationStream;
  /** Where `dev_certificate: true` keeps its files. Default: a per-user temporary directory. */
  readonly devCertificateDir?: string;
  /** Bind with SO_REUSEPORT so a new gateway (`serve -u`) can bind beside this one. Default: on Linux. */
  readonly reusePort?: boolean;
}

/** Defaults of {@link GatewayOptions} and of config keys the gateway itself reads. */
export const GATEWAY_DEFAULTS = {
  reusePort: process.platform === 'linux',
  /** Attempts after the first one the proxy allows; each route's `retries` (at most 10) decides. */
  maxRetries: 10,
  gracePeriodSeconds: 30,
  /** Editors write a file in several steps: wait for quiet before reloading. */
  watchDebounceMs: 200,
} as const;

/** A listener as bound: its name, its URL and whether it speaks TLS. */
export interface BoundGatewayListener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly url: string;
  readonly isTls: boolean;
}

/** The outcome of {@link Gateway.reload}. */
export type ReloadResult =
  | { readonly isApplied: true }
  | { readonly isApplied: false; readonly error: PingoraError };

/**
 * A running gateway: the listeners of the config (HTTP and HTTPS) served by one
 * `@pingora-ts/proxy` `HttpProxy` whose phases follow the current configuration, an admin
 * listener (`/metrics`, `/healthz`, `/readyz`, `/status`), access logs, and reloads that
 * apply a new configuration to new requests without touching connections or requests in
 * flight. Invalid configurations are refused and the running one stays.
 */
export class Gateway {
  /** The proxy serving every listener. */
  readonly proxy: HttpProxy<GatewayCtx>;
  /** The Prometheus metrics. */
  readonly metrics: GatewayMetrics;
  /** The logger (access logs and events). */
  readonly logger: Logger;
  private runtime: GatewayRuntime;
  private readonly allPhases: ProxyHttp<GatewayCtx>;
  private readonly server: Server;
  private readonly options: GatewayOptions;
  private readonly baseDir: string;
  private readonly started = performance.now();
  private readonly reloadCounts = {
    applied: 0,
    rejected: 0,
    lastError: undefined as string | undefined,
  };
  private reloading: Promise<ReloadResult> = Promise.resolve({ isApplied: true });
  private watcher: FSWatcher | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private bound: BoundGatewayListener[] = [];
  private adminUrl: string | undefined;
  private isClosed = false;
  private readonly upstreamLog = (
    level: 'info' | 'warn',
    fields: Record<string, unknown>,
    message: string,
  ) => this.logger[level](fields, message);

  private constructor(options: GatewayOptions) {
    this.options = options;
    const config = options.config;
    this.baseDir =
      options.baseDir ??
      (options.file === undefined ? process.cwd() : dirname(resolve(options.file)));
    this.logger = createLogger(config.logging, options.logDestination);
    this.metrics = new GatewayMetrics();
    this.runtime = new GatewayRuntime(config, this.baseDir);
    this.metrics.watchRuntime(() => this.runtime);
    const accessLog = config.logging?.access_log === false ? undefined : this.logger;
    this.allPhases = gatewayPhases({
      current: () => this.runtime,
      metrics: this.metrics,
      accessLog,
    });
    const phases = { ...this.allPhases };
    tailorPhases(phases, this.allPhases, this.runtime);
    const cache = config.cache;
    this.proxy = new HttpProxy(phases, {
      maxRetries: GATEWAY_DEFAULTS.maxRetries,
      compression: true,
      // One cache for the process: a reload keeps what it holds (its size applies at restart).
      cache: new HttpCache({
        memory: {
          ...(cache?.max_bytes === undefined ? {} : { maxBytes: cache.max_bytes }),
          ...(cache?.max_object_bytes === undefined
            ? {}
            : { maxObjectBytes: cache.max_object_bytes }),
          ...(cache?.eviction === undefined ? {} : { eviction: cache.eviction }),
        },
      }),
    });
    this.server = new Server({
      reusePort: options.reusePort ?? config.reuse_port ?? GATEWAY_DEFAULTS.reusePort,
      log: (line) => this.logger.warn(line),
    });
  }

  /**
   * Builds the gateway from `options.config`, binds every listener and starts the upstream
   * groups' health checks and discovery.
   *
   * @throws PingoraError `BindError` when a listener cannot be bound (nothing stays open).
   */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const gateway = new Gateway(options);
    await gateway.listen();
    return gateway;
  }

  /** The runtime new requests start with. */
  current(): GatewayRuntime {
    return this.runtime;
  }

  /** The bound proxy listeners, in config order. */
  get listeners(): readonly BoundGatewayListener[] {
    return this.bound;
  }

  /** `http://host:port` of the admin listener, if any. */
  get admin(): string | undefined {
    return this.adminUrl;
  }

  /**
   * Loads the configuration again (through `options.load`) and applies it to new requests.
   * A configuration that fails validation or cannot be built is refused: the error is logged
   * and returned, and the running configuration stays. Reloads run one at a time.
   */
  reload(reason = 'reload'): Promise<ReloadResult> {
    this.reloading = this.reloading.then(() => this.reloadNow(reason));
    return this.reloading;
  }

  /**
   * Graceful stop: listeners close, requests in flight get `graceMs` (default the config's
   * `grace_period_seconds`), then health checks stop.
   */
  async close(graceMs?: number): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.watchTimer);
    this.watcher?.close();
    const grace =
      graceMs ??
      (this.runtime.config.grace_period_seconds ?? GATEWAY_DEFAULTS.gracePeriodSeconds) * 1000;
    await this.server.shutdown({ graceMs: grace, hookTimeoutMs: Math.max(1000, grace) });
    await this.runtime.stop();
    this.logger.flush();
  }

  private async listen(): Promise<void> {
    const config = this.runtime.config;
    const h1: ListenerConfig[] = [];
    const h2: ListenerConfig[] = [];
    // Bound order is service by service: remember where each config listener went.
    const order: { isH2: boolean; index: number }[] = [];
    for (const l of config.listeners) {
      const isH2 = l.h2 === true;
      const target = isH2 ? h2 : h1;
      order.push({ isH2, index: target.length });
      target.push(this.listenerConfig(l, isH2));
    }
    const http1 = this.proxy.application();
    if (h1.length > 0) this.server.addService({ name: 'gateway', listeners: h1, app: http1 });
    if (h2.length > 0) {
      this.server.addService({
        name: 'gateway-h2',
        listeners: h2,
        app: h2Application(
          (s) => this.proxy.handle(s),
          h1.length > 0 ? { handleConnection: http1.handleConnection } : http1,
        ),
      });
    }
    if (config.admin !== undefined) {
      const admin = new HttpServer({
        handler: adminHandler({
          metrics: this.metrics,
          current: () => this.runtime,
          uptimeSeconds: () => (performance.now() - this.started) / 1000,
          configName: this.options.file ?? '(embedded default)',
          reloads: () => ({ ...this.reloadCounts }),
          version: VERSION,
        }),
      });
      this.server.addService({
        name: 'admin',
        listeners: [{ address: config.admin.address }],
        app: {
          handleConnection: (socket, connection) => {
            const c = admin.serve(socket);
            connection.onDrain(() => c.closeGracefully());
          },
          shutdown: () => admin.close(),
        },
      });
    }
    try {
      await this.server.start();
    } catch (error) {
      await this.server.shutdown({ graceMs: 0 });
      throw error;
    }
    const infos = this.server.listeners();
    this.bound = config.listeners.map((l, i) => {
      const at = order[i] as { isH2: boolean; index: number };
      const info = infos[at.isH2 ? h1.length + at.index : at.index];
      const address = info?.address ?? l.address;
      const port = Number(address.slice(address.lastIndexOf(':') + 1));
      const isTls = l.tls !== undefined;
      const host = hostForUrl(address.slice(0, address.lastIndexOf(':')), isTls);
      return {
        name: l.name ?? `listener-${i}`,
        address,
        port,
        isTls,
        url: `${isTls ? 'https' : 'http'}://${host}:${port}`,
      };
    });
    const adminInfo = config.admin === undefined ? undefined : infos[config.listeners.length];
    if (adminInfo !== undefined) {
      const a = adminInfo.address;
      this.adminUrl = `http://${hostForUrl(a.slice(0, a.lastIndexOf(':')), false)}:${a.slice(a.lastIndexOf(':') + 1)}`;
    }
    this.runtime.start(this.upstreamLog);
    if (this.options.file !== undefined && config.watch !== false)
      this.watchFile(this.options.file);
  }

  private listenerConfig(l: ListenerConfigEntry, isH2: boolean): ListenerConfig {
    if (l.tls === undefined) return { address: l.address };
    const files =
      l.tls.dev_certificate === true
        ? ensureDevCertificate(this.options.devCertificateDir)
        : {
            certFile: resolve(this.baseDir, l.tls.cert_file as string),
            keyFile: resolve(this.baseDir, l.tls.key_file as string),
          };
    return {
      address: l.address,
      tls: {
        certFile: files.certFile,
        keyFile: files.keyFile,
        alpn: isH2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      },
    };
  }

  private async reloadNow(reason: string): Promise<ReloadResult> {
    if (this.isClosed) {
      return { isApplied: false, error: PingoraError.explain('InternalError', 'gateway closed') };
    }
    let next: GatewayRuntime;
    try {
      const config = this.options.load?.() ?? this.options.config;
      next = new GatewayRuntime(config, this.baseDir, this.runtime);
    } catch (cause) {
      const error = PingoraError.from(cause, 'InvalidConfig', `reloading (${reason})`);
      this.reloadCounts.rejected++;
      this.reloadCounts.lastError = error.message;
      this.metrics.reloads.inc({ result: 'rejected' });
      this.logger.error(
        { reason, error: error.message, issues: issuesOf(cause) },
        'configuration refused; the running configuration stays',
      );
      return { isApplied: false, error };
    }
    const previous = this.runtime;
    const fixed = (c: GatewayConfig) => JSON.stringify([c.listeners, c.admin, c.cache]);
    if (fixed(previous.config) !== fixed(next.config)) {
      this.logger.warn(
        { reason },
        'listeners, admin or cache size changed: they apply at the next restart',
      );
    }
    next.start(this.upstreamLog);
    tailorPhases(this.proxy.phases, this.allPhases, next);
    this.runtime = next;
    this.reloadCounts.applied++;
    this.metrics.reloads.inc({ result: 'applied' });
    this.logger.info(
      { reason, routes: next.routes.length, upstreams: next.groups.size },
      'configuration reloaded',
    );
    // Requests in flight keep using the previous runtime's groups, which select without their
    // background task; only the probes and discovery of groups not carried over stop.
    await previous.stop(next);
    return { isApplied: true };
  }

  private watchFile(file: string): void {
    const path = resolve(file);
    const name = basename(path);
    // Watch the directory: editors and deploy tools often replace the file by a rename, which
    // a watch on the file itself would lose.
    this.watcher = watch(dirname(path), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.watchTimer);
      this.watchTimer = setTimeout(
        () => void this.reload('file changed'),
        GATEWAY_DEFAULTS.watchDebounceMs,
      );
    });
    this.watcher.on('error', (error) =>
      this.logger.warn({ error: error.message }, 'config watch failed'),
    );
  }
}

function hostForUrl(host: string, isTls: boolean): string {
  // Wildcard binds are reached through localhost; the dev certificate names localhost.
  if (host === '0.0.0.0' || host === '[::]') return 'localhost';
  if (isTls && (host === '127.0.0.1' || host === '[::1]')) return 'localhost';
  return host;
}
