import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import {
  Backend,
  DnsDiscovery,
  FileDiscovery,
  type HealthCheck,
  HttpHealthCheck,
  LoadBalancer,
  type ProbeTlsOptions,
  type ServiceDiscovery,
  TcpHealthCheck,
} from '@pingora-ts/load-balancer';
import type { ProxyPeer } from '@pingora-ts/proxy';
import type { TimeoutsConfig, UpstreamConfig } from '../config/config-schema.js';

/** Stands for "no route timeouts" as a WeakMap key. */
const NO_ROUTE_TIMEOUTS: object = Object.freeze({});

/** Where an upstream group reports its events (the gateway's logger). */
export type UpstreamEventLog = (
  level: 'info' | 'warn',
  fields: Record<string, unknown>,
  message: string,
) => void;

/** What the admin `/status` endpoint reports of one backend. */
export interface BackendStatus {
  readonly address: string;
  readonly weight: number;
  readonly isHealthy: boolean;
}

/**
 * One named upstream group of the config: a `LoadBalancer` of `@pingora-ts/load-balancer`
 * (static backends, DNS or file discovery; an HTTP or TCP health check) plus how to reach its
 * peers (TLS, timeouts). `start()` begins discovery and health checks; `stop()` ends them.
 */
export class UpstreamGroup {
  /** The group's name (its key under `upstreams`). */
  readonly name: string;
  /** The balancer. */
  readonly balancer: LoadBalancer;
  /** The group's configuration (a reload keeps the group when it is unchanged). */
  readonly config: UpstreamConfig;
  private readonly ca: string | undefined;
  private isLogged = false;
  /** The peers made so far, by backend and by the route's timeouts (see `peerOf`). */
  private readonly peers = new WeakMap<Backend, WeakMap<object, ProxyPeer>>();

  /** @throws PingoraError `FileReadError` when `tls.ca_file` cannot be read. */
  constructor(name: string, config: UpstreamConfig, baseDir: string) {
    this.name = name;
    this.config = config;
    this.ca = readCa(config.tls?.ca_file, baseDir);
    const hc = config.health_check;
    const discovery = makeDiscovery(config, baseDir);
    this.balancer = new LoadBalancer({
      ...(discovery === undefined
        ? {
            backends: (config.backends ?? []).map((b) =>
              typeof b === 'string' ? b : Backend.parse(b.address, b.weight ?? 1),
            ),
          }
        : { discovery }),
      algorithm: config.algorithm ?? 'round-robin',
      ...(hc === undefined ? {} : { healthCheck: makeHealthCheck(hc, this.probeTls()) }),
      ...(hc?.interval_seconds === undefined
        ? {}
        : { healthCheckIntervalMs: hc.interval_seconds * 1000 }),
      ...(discoveryInterval(config) === undefined
        ? {}
        : { discoveryIntervalMs: discoveryInterval(config) as number }),
    });
  }

  /**
   * Starts discovery and health checks; `log` hears of discovery failures and of backends
   * going up or down (once per group, however many runtimes share it).
   */
  start(log?: UpstreamEventLog): void {
    if (log !== undefined && !this.isLogged) {
      this.isLogged = true;
      this.balancer.onError((error) =>
        log('warn', { upstream: this.name, error: error.message }, 'upstream discovery failed'),
      );
      this.balancer.onHealthChange((e) =>
        log(
          e.healthy ? 'info' : 'warn',
          {
            upstream: this.name,
            backend: e.backend.addr,
            reason: e.reason,
            ...(e.error === undefined ? {} : { error: e.error.message }),
          },
          e.healthy ? 'backend up' : 'backend down',
        ),
      );
    }
    this.balancer.start();
  }

  /** Stops them (the group still selects from what it knows). */
  stop(): Promise<void> {
    return this.balancer.stop();
  }

  /** What `consistent-hash` / `fnv-hash` hash for a request (`hash_key`). */
  get hashKey(): string | undefined {
    return this.config.hash_key;
  }

  /**
   * A healthy backend not yet tried by this request, as a peer with the group's TLS and the
   * merged timeouts (route over group); undefined when none is left.
   */
  select(
    key: string,
    hasTried: (addr: string) => boolean,
    routeTimeouts: TimeoutsConfig | undefined,
  ): ProxyPeer | undefined {
    const backend = this.balancer.select(key, undefined, (b) => !hasTried(b.addr));
    if (backend === undefined) return undefined;
    return this.peerOf(backend, routeTimeouts);
  }

  /** The backend at `addr`, if the group has it (to report a connect failure). */
  backend(addr: string): Backend | undefined {
    return this.balancer.backends.get(addr);
  }

  /** Passive health: a connect to `addr` failed. */
  reportFailure(addr: string, error: PingoraError): void {
    const b = this.backend(addr);
    if (b !== undefined) this.balancer.reportConnectFailure(b, error);
  }

  /** Every backend with its weight and health. */
  status(): BackendStatus[] {
    const backends = this.balancer.backends;
    return backends.list.map((b) => ({
      address: b.addr,
      weight: b.weight,
      isHealthy: backends.isHealthy(b),
    }));
  }

  /** TLS of the HTTP health check: the same trust and name as the traffic. */
  private probeTls(): ProbeTlsOptions | undefined {
    const tls = this.config.tls;
    if (tls === undefined) return undefined;
    return {
      ...(tls.sni === undefined ? {} : { servername: tls.sni }),
      ...(tls.verify === false ? { rejectUnauthorized: false } : {}),
      ...(this.ca === undefined ? {} : { ca: this.ca }),
    };
  }

  /**
   * The peer of `backend` under a route's timeouts, made once per pair: the connection pool
   * keys its connections by the peer object (a new object per request would cost a SHA-256 of
   * its options per request). Frozen, since every request of that pair shares it.
   */
  private peerOf(backend: Backend, routeTimeouts: TimeoutsConfig | undefined): ProxyPeer {
    let byRoute = this.peers.get(backend);
    if (byRoute === undefined) {
      byRoute = new WeakMap();
      this.peers.set(backend, byRoute);
    }
    const routeKey = routeTimeouts ?? NO_ROUTE_TIMEOUTS;
    let peer = byRoute.get(routeKey);
    if (peer === undefined) {
      peer = Object.freeze(this.makePeer(backend, routeTimeouts));
      byRoute.set(routeKey, peer);
    }
    return peer;
  }

  private makePeer(backend: Backend, routeTimeouts: TimeoutsConfig | undefined): ProxyPeer {
    const t = { ...this.config.timeouts, ...routeTimeouts };
    const tls = this.config.tls;
    const peer: ProxyPeer = { host: backend.host, port: backend.port };
    const protocol = this.config.protocol;
    if (protocol !== undefined && protocol !== 'h1') peer.protocol = protocol;
    if (tls !== undefined) {
      peer.tls = {
        ...(tls.sni === undefined ? {} : { sni: tls.sni }),
        ...(tls.verify === false ? { verify: false } : {}),
        ...(this.ca === undefined ? {} : { ca: this.ca }),
      };
    }
    if (t.connect_ms !== undefined) peer.connectTimeoutMs = t.connect_ms;
    if (t.total_connect_ms !== undefined) peer.totalConnectTimeoutMs = t.total_connect_ms;
    if (t.read_ms !== undefined) peer.readTimeoutMs = t.read_ms;
    if (t.write_ms !== undefined) peer.writeTimeoutMs = t.write_ms;
    if (t.idle_ms !== undefined) peer.idleTimeoutMs = t.idle_ms;
    return peer;
  }
}

function makeDiscovery(config: UpstreamConfig, baseDir: string): ServiceDiscovery | undefined {
  const d = config.discovery;
  if (d === undefined) return undefined;
  if ('dns' in d) {
    return new DnsDiscovery({
      name: d.dns.name,
      ...(d.dns.type === undefined ? {} : { type: d.dns.type }),
      ...(d.dns.port === undefined ? {} : { port: d.dns.port }),
      ...(d.dns.servers === undefined ? {} : { servers: d.dns.servers }),
    });
  }
  return new FileDiscovery(resolve(baseDir, d.file.path));
}

function discoveryInterval(config: UpstreamConfig): number | undefined {
  const d = config.discovery;
  if (d === undefined) return undefined;
  const s = 'dns' in d ? d.dns.interval_seconds : d.file.interval_seconds;
  return s === undefined ? undefined : s * 1000;
}

function readCa(file: string | undefined, baseDir: string): string | undefined {
  if (file === undefined) return undefined;
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw PingoraError.because('FileReadError', `reading upstream CA file ${path}`, cause);
  }
}

function makeHealthCheck(
  hc: NonNullable<UpstreamConfig['health_check']>,
  tls: ProbeTlsOptions | undefined,
): HealthCheck {
  const shared = {
    ...(hc.timeout_ms === undefined ? {} : { timeoutMs: hc.timeout_ms }),
    ...(hc.healthy_threshold === undefined ? {} : { healthyThreshold: hc.healthy_threshold }),
    ...(hc.unhealthy_threshold === undefined ? {} : { unhealthyThreshold: hc.unhealthy_threshold }),
  };
  if (hc.type === 'tcp') return new TcpHealthCheck(shared);
  return new HttpHealthCheck({
    ...shared,
    ...(hc.path === undefined ? {} : { path: hc.path }),
    ...(hc.host === undefined ? {} : { host: hc.host }),
    ...(hc.expected_status === undefined ? {} : { expectedStatus: hc.expected_status }),
    ...(hc.body_match === undefined ? {} : { bodyMatch: hc.body_match }),
    ...(tls === undefined ? {} : { tls }),
  });
}
