import { Resolver } from 'node:dns/promises';
import { PingoraError } from '@pingora-ts/error';
import { type Clock, monotonicClock } from '@pingora-ts/timeout';
import { Backend } from '../backend.js';
import type { DiscoveryResult, ServiceDiscovery } from './service-discovery.js';
import { querySrv } from './srv-query.js';

/** Which records name the backends. */
export type DnsRecordType = 'A' | 'AAAA' | 'A+AAAA' | 'SRV';

/** A record with its TTL, as node:dns returns it with `{ ttl: true }`. */
export interface AddressWithTtl {
  address: string;
  ttl: number;
}

/** An SRV record (RFC 2782), as node:dns returns it, with its TTL (seconds) when known. */
export interface SrvRecordLike {
  name: string;
  port: number;
  priority: number;
  weight: number;
  ttl?: number;
}

/** The part of node:dns's promise `Resolver` discovery uses; injectable for other transports. */
export interface DnsResolverLike {
  resolve4(name: string, options: { ttl: true }): Promise<AddressWithTtl[]>;
  resolve6(name: string, options: { ttl: true }): Promise<AddressWithTtl[]>;
  resolveSrv(name: string): Promise<SrvRecordLike[]>;
}

/** Options of {@link DnsDiscovery}. */
export interface DnsDiscoveryOptions {
  /** The name to resolve (for SRV, e.g. `_http._tcp.api.internal`). */
  name: string;
  /** Record type. Default `A+AAAA`. */
  type?: DnsRecordType;
  /** Port of the backends for A/AAAA (SRV records carry their own). Required for A/AAAA. */
  port?: number;
  /** Weight of A/AAAA backends. Default 1. */
  weight?: number;
  /** DNS servers (`ip` or `ip:port`); default the system's. Ignored when `resolver` is given. */
  servers?: readonly string[];
  /** A resolver to use instead of a new node:dns one. */
  resolver?: DnsResolverLike;
  /** Per-query timeout of the node:dns resolver, ms. Default 2,000. */
  queryTimeoutMs?: number;
  /** Floor on the TTL, ms: answers are cached at least this long. Default 1,000. */
  minTtlMs?: number;
  /** Ceiling on the TTL, ms. Default 3,600,000. */
  maxTtlMs?: number;
  /** Clock for the TTL cache. Default monotonic. */
  clock?: Clock;
}

/** Defaults of {@link DnsDiscoveryOptions}. */
export const DNS_DEFAULTS = {
  type: 'A+AAAA' as DnsRecordType,
  weight: 1,
  queryTimeoutMs: 2_000,
  // c-ares tries each server this many times before giving up.
  tries: 2,
  // A TTL of 0 (RFC 1035 section 3.2.1: "should not be cached") would otherwise mean a query per
  // refresh tick; one second is the floor most resolvers' negative caches use too.
  minTtlMs: 1_000,
  maxTtlMs: 3_600_000,
} as const;

/** Codes meaning "this name has no such records", an answer rather than a failure. */
const EMPTY_ANSWER = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * Backends from DNS: A and/or AAAA records of a name (with a fixed port), or SRV records
 * (RFC 2782) whose targets are resolved to addresses. Answers are cached for their TTL (the
 * smallest TTL of the records, clamped to [minTtlMs, maxTtlMs]), so asking more often than the
 * TTL costs no query, and the result's `ttlMs` tells the background task to ask again once the
 * TTL is over. SRV: only the lowest priority present is used (RFC 2782: clients must try the
 * lowest-numbered priority first); weight 0 counts as 1.
 *
 * node:dns reports no TTL for SRV records, so SRV queries go through a small DNS client of
 * this package (UDP with EDNS(0), TCP when truncated) to the same servers; the TTL of an SRV
 * answer is the smallest of the SRV records' and their targets' addresses'.
 *
 * Failures (timeouts, SERVFAIL, refused) reject with a `PingoraError` so the load balancer keeps
 * its backends; a name without records yields an empty set.
 *
 * @example
 * ```ts
 * const discovery = new DnsDiscovery({ name: 'api.internal', type: 'A', port: 8080 });
 * ```
 */
export class DnsDiscovery implements ServiceDiscovery {
  readonly #name: string;
  readonly #type: DnsRecordType;
  readonly #port: number | undefined;
  readonly #weight: number;
  readonly #resolver: DnsResolverLike;
  readonly #minTtlMs: number;
  readonly #maxTtlMs: number;
  readonly #clock: Clock;
  #cached: { result: DiscoveryResult; expiresAt: number } | undefined;

  /** @throws RangeError for a missing port with A/AAAA or bad bounds. */
  constructor(options: DnsDiscoveryOptions) {
    if (typeof options.name !== 'string' || options.name.length === 0) {
      throw new TypeError('DNS discovery needs a name');
    }
    this.#name = options.name;
    this.#type = options.type ?? DNS_DEFAULTS.type;
    if (!['A', 'AAAA', 'A+AAAA', 'SRV'].includes(this.#type)) {
      throw new RangeError(`unknown DNS record type ${JSON.stringify(this.#type)}`);
    }
    if (this.#type !== 'SRV' && options.port === undefined) {
      throw new RangeError(`DNS discovery of ${this.#type} records needs a port`);
    }
    this.#port = options.port;
    this.#weight = options.weight ?? DNS_DEFAULTS.weight;
    this.#minTtlMs = options.minTtlMs ?? DNS_DEFAULTS.minTtlMs;
    this.#maxTtlMs = options.maxTtlMs ?? DNS_DEFAULTS.maxTtlMs;
    if (!(this.#minTtlMs >= 0) || !(this.#maxTtlMs >= this.#minTtlMs)) {
      throw new RangeError('DNS discovery needs 0 <= minTtlMs <= maxTtlMs');
    }
    this.#clock = options.clock ?? monotonicClock;
    this.#resolver = options.resolver ?? nodeResolver(options);
  }

  async discover(): Promise<DiscoveryResult> {
    const now = this.#clock.now();
    const cached = this.#cached;
    if (cached !== undefined && now < cached.expiresAt) {
      return { backends: cached.result.backends, ttlMs: cached.expiresAt - now };
    }
    const { backends, ttlSeconds } =
      this.#type === 'SRV' ? await this.#resolveSrv() : await this.#resolveAddresses();
    // No records, no TTL (RFC 2308's negative TTL is in an SOA node:dns does not show): ask
    // again after the floor, so a name that appears is seen soon.
    const ttlMs =
      ttlSeconds === undefined
        ? this.#minTtlMs
        : Math.min(this.#maxTtlMs, Math.max(this.#minTtlMs, ttlSeconds * 1000));
    const result: DiscoveryResult = { backends: Object.freeze(backends), ttlMs };
    this.#cached = { result, expiresAt: this.#clock.now() + ttlMs };
    return result;
  }

  /** Forgets the cached answer, so the next discover() queries. */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #resolveAddresses(): Promise<{ backends: Backend[]; ttlSeconds: number | undefined }> {
    const records = await this.#lookup(this.#name, this.#type as 'A' | 'AAAA' | 'A+AAAA');
    const port = this.#port!;
    return {
      backends: records.map(
        (r) => new Backend(r.address, port, this.#weight, { dnsName: this.#name }),
      ),
      ttlSeconds: minTtl(records),
    };
  }

  async #resolveSrv(): Promise<{ backends: Backend[]; ttlSeconds: number | undefined }> {
    const srv = await this.#query(`SRV ${this.#name}`, () => this.#resolver.resolveSrv(this.#name));
    // RFC 2782: a target of "." means the service is decidedly not available here.
    const usable = srv.filter((r) => r.name !== '' && r.name !== '.');
    if (usable.length === 0) return { backends: [], ttlSeconds: undefined };
    const priority = Math.min(...usable.map((r) => r.priority));
    const chosen = usable.filter((r) => r.priority === priority);
    const lookups = await Promise.all(chosen.map((r) => this.#lookup(r.name, 'A+AAAA')));
    const backends: Backend[] = [];
    let ttl: number | undefined;
    for (const record of chosen) {
      if (record.ttl !== undefined)
        ttl = ttl === undefined ? record.ttl : Math.min(ttl, record.ttl);
    }
    for (const [i, record] of chosen.entries()) {
      const addresses = lookups[i]!;
      const t = minTtl(addresses);
      if (t !== undefined) ttl = ttl === undefined ? t : Math.min(ttl, t);
      for (const a of addresses) {
        backends.push(
          new Backend(a.address, record.port, Math.max(1, record.weight), {
            dnsName: this.#name,
            srvTarget: record.name,
            srvPriority: record.priority,
          }),
        );
      }
    }
    return { backends, ttlSeconds: ttl };
  }

  async #lookup(name: string, type: 'A' | 'AAAA' | 'A+AAAA'): Promise<AddressWithTtl[]> {
    const v4 =
      type === 'AAAA'
        ? []
        : this.#query(`A ${name}`, () => this.#resolver.resolve4(name, { ttl: true }));
    const v6 =
      type === 'A'
        ? []
        : this.#query(`AAAA ${name}`, () => this.#resolver.resolve6(name, { ttl: true }));
    const [a, aaaa] = await Promise.all([v4, v6]);
    return [...a, ...aaaa];
  }

  async #query<T>(what: string, run: () => Promise<T[]>): Promise<T[]> {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && EMPTY_ANSWER.has(code)) return [];
      if (error instanceof PingoraError) throw error;
      throw PingoraError.because('ConnectError', `DNS discovery: resolving ${what}`, error);
    }
  }
}

function minTtl(records: readonly AddressWithTtl[]): number | undefined {
  let ttl: number | undefined;
  for (const r of records) ttl = ttl === undefined ? r.ttl : Math.min(ttl, r.ttl);
  return ttl;
}

/** node:dns for addresses; this package's SRV client (which keeps TTLs) for SRV. */
function nodeResolver(options: DnsDiscoveryOptions): DnsResolverLike {
  const timeout = options.queryTimeoutMs ?? DNS_DEFAULTS.queryTimeoutMs;
  const resolver = new Resolver({ timeout, tries: DNS_DEFAULTS.tries });
  if (options.servers !== undefined) resolver.setServers([...options.servers]);
  return {
    resolve4: (name, ttl) => resolver.resolve4(name, ttl),
    resolve6: (name, ttl) => resolver.resolve6(name, ttl),
    resolveSrv: (name) => querySrv(name, resolver.getServers(), timeout),
  };
}
