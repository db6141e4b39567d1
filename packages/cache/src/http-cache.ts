import { HeaderMap, type RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import { CacheControl } from './cache-control.js';
import { primaryKey, variantKey, varyNames } from './cache-key.js';
import { CacheLock } from './cache-lock.js';
import type { CachedObject, CacheMeta, CacheStorage } from './cache-storage.js';
import { type FreshnessOptions, parseHttpDate, residentTime } from './freshness.js';
import { MemoryStorage, type MemoryStorageOptions } from './memory-storage.js';
import { whyNotStorable } from './storability.js';
import { type StoredPolicy, storedPolicy } from './stored-policy.js';

/** Options of {@link HttpCache}; every default is in {@link CACHE_DEFAULTS}. */
export interface HttpCacheOptions extends FreshnessOptions {
  /** Where responses live; default: a {@link MemoryStorage} made from `memory`. */
  storage?: CacheStorage;
  /** Options of the default in-memory storage (bytes, object size, eviction). */
  memory?: MemoryStorageOptions;
  /** Longest wait for another request's fetch of the same key, ms; 0 turns the lock off. */
  lockTimeoutMs?: number;
  /** Milliseconds since the epoch; injected by tests. Default `Date.now`. */
  clock?: () => number;
  /** The cache's name in `Cache-Status` (RFC 9211). */
  name?: string;
}

/** Defaults of {@link HttpCacheOptions}. */
export const CACHE_DEFAULTS = {
  lockTimeoutMs: 5_000,
  name: 'pingora-ts',
} as const;

/** A response served from the cache: the head (with Age and Cache-Status) and the body. */
export interface CachedResponse {
  readonly head: ResponseHeader;
  readonly body: Buffer;
}

/** What a lookup decided. */
export type LookupResult =
  /** The request is not for the cache (method, `no-store`): go upstream, store nothing. */
  | { readonly kind: 'bypass' }
  /** Serve this (fresh, allowed stale, collapsed onto another fetch, or a 304 for the client). */
  | { readonly kind: 'hit'; readonly response: CachedResponse }
  /**
   * Serve this stale response, then refresh it in the background with these conditional
   * fields through the same {@link CacheRequest} (`onUpstreamResponse`, then `finish`); one
   * refresh per key at a time (RFC 5861 section 3).
   */
  | {
      readonly kind: 'stale-while-revalidate';
      readonly response: CachedResponse;
      readonly conditional: readonly (readonly [string, string])[];
    }
  /** Go upstream with these conditional fields added (RFC 9111 section 4.3.1). */
  | { readonly kind: 'revalidate'; readonly conditional: readonly (readonly [string, string])[] }
  /** Go upstream; the response may be stored. */
  | { readonly kind: 'miss' }
  /** `only-if-cached` and nothing usable: answer 504 (RFC 9111 section 5.2.1.7). */
  | { readonly kind: 'only-if-cached' };

/** Receives the body of a response being stored while it streams to the client. */
export interface CacheWriter {
  write(chunk: Uint8Array): void;
  /** The body is complete: store it (waiters on the lock are served from it). */
  finish(): Promise<void>;
  /** The response failed or the client left: store nothing. */
  abort(): void;
}

/** What to do with an upstream response head. */
export type UpstreamDecision =
  /** Send `head` and feed the body to `writer` as it goes. */
  | { readonly kind: 'store'; readonly head: ResponseHeader; readonly writer: CacheWriter }
  /** A 304 refreshed the stored response: serve this instead of the upstream's answer. */
  | { readonly kind: 'revalidated'; readonly response: CachedResponse }
  /** Send `head` as it is; nothing is stored. */
  | { readonly kind: 'pass'; readonly head: ResponseHeader };

/** Counters of an {@link HttpCache}. */
export interface CacheStats {
  hits: number;
  misses: number;
  staleServed: number;
  revalidations: number;
  stored: number;
  bypassed: number;
  collapsed: number;
  invalidated: number;
}

/** Largest body a writer buffers for a storage that states no object limit (1 GiB). */
const MAX_BUFFERED_BYTES = 1 << 30;
/** Smallest index size that triggers pruning of evicted keys. */
const MIN_PRUNE_AT = 1_024;
const UNSAFE_OK = (status: number) => status >= 200 && status < 400;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
]);
/** Fields a 304 must not overwrite in the stored response (its body's framing). */
const KEEP_ON_304 = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'content-range',
]);

/**
 * An RFC 9111 shared HTTP cache. `begin(request)` returns the per-request {@link CacheRequest}
 * the proxy drives: `lookup()`, then on a miss or revalidation `onUpstreamResponse(head)`
 * (store while streaming, or serve the refreshed stored response after a 304), or
 * `onUpstreamError()` (stale-if-error), and always `finish()`.
 *
 * @example
 * ```ts
 * const cache = new HttpCache({ memory: { maxBytes: 64 << 20 } });
 * const c = cache.begin(requestHead, { scheme: 'https' });
 * const found = await c.lookup();
 * ```
 */
export class HttpCache {
  readonly storage: CacheStorage;
  readonly lock = new CacheLock();
  readonly stats: CacheStats = {
    hits: 0,
    misses: 0,
    staleServed: 0,
    revalidations: 0,
    stored: 0,
    bypassed: 0,
    collapsed: 0,
    invalidated: 0,
  };
  /** @internal */ readonly options: Required<Omit<HttpCacheOptions, 'storage' | 'memory'>>;
  /** Vary field names of the latest stored response per primary key. */
  private readonly varyOf = new Map<string, readonly string[]>();
  /** Storage keys per URI (scheme, host, target), each with its primary key, for purge. */
  private readonly keysOfUri = new Map<string, Map<string, string>>();
  /** Index size at which evicted keys are next pruned from the two maps above. */
  private pruneAt = MIN_PRUNE_AT;
  /** Keys whose stale-while-revalidate refresh is under way (one at a time). */
  private readonly refreshing = new Set<string>();

  constructor(options: HttpCacheOptions = {}) {
    this.storage = options.storage ?? new MemoryStorage(options.memory);
    this.options = {
      lockTimeoutMs: options.lockTimeoutMs ?? CACHE_DEFAULTS.lockTimeoutMs,
      clock: options.clock ?? Date.now,
      name: options.name ?? CACHE_DEFAULTS.name,
      heuristicFraction: options.heuristicFraction ?? 0.1,
      maxHeuristicSeconds: options.maxHeuristicSeconds ?? 86_400,
    };
  }

  /** The per-request driver for `request` (`keyExtra` is the user's cache-key material). */
  begin(
    request: RequestHeader,
    options: { scheme: 'http' | 'https'; keyExtra?: string },
  ): CacheRequest {
    return new CacheRequest(this, request, options.scheme, options.keyExtra ?? '');
  }

  /** Removes every stored response of the URI (`scheme://host/target`); resolves with how many. */
  async purge(uri: string): Promise<number> {
    const keys = this.keysOfUri.get(uri);
    if (keys === undefined) return 0;
    this.keysOfUri.delete(uri);
    let removed = 0;
    for (const key of keys.keys()) if (await this.storage.purge(key)) removed++;
    return removed;
  }

  /** URIs and primary keys the cache indexes (for Vary and purge); bounded by pruning. */
  get indexSize(): number {
    return this.keysOfUri.size + this.varyOf.size;
  }

  /**
   * Drops the index entries of keys the storage evicted, when it can tell (`has`). Run each
   * time the index doubles, so the cost is amortised O(1) per store and the index stays
   * within about twice the live entries.
   */
  private prune(): void {
    const has = this.storage.has?.bind(this.storage);
    if (has === undefined || this.indexSize < this.pruneAt) return;
    const livePrimaries = new Set<string>();
    for (const [uri, keys] of this.keysOfUri) {
      for (const [key, primary] of keys) {
        if (has(key)) livePrimaries.add(primary);
        else keys.delete(key);
      }
      if (keys.size === 0) this.keysOfUri.delete(uri);
    }
    for (const primary of this.varyOf.keys())
      if (!livePrimaries.has(primary)) this.varyOf.delete(primary);
    this.pruneAt = Math.max(MIN_PRUNE_AT, 2 * this.indexSize);
  }

  /** @internal */
  varyFor(primary: string): readonly string[] | undefined {
    return this.varyOf.get(primary);
  }

  /** @internal */
  async store(uri: string, primary: string, key: string, object: CachedObject): Promise<boolean> {
    if (!(await this.storage.put(key, object))) return false;
    this.varyOf.set(primary, object.meta.vary);
    let keys = this.keysOfUri.get(uri);
    if (keys === undefined) {
      keys = new Map();
      this.keysOfUri.set(uri, keys);
    }
    keys.set(key, primary);
    this.stats.stored++;
    this.prune();
    return true;
  }

  /** @internal */
  startRefresh(key: string): boolean {
    if (this.refreshing.has(key)) return false;
    this.refreshing.add(key);
    return true;
  }

  /** @internal */
  endRefresh(key: string): void {
    this.refreshing.delete(key);
  }
}

/**
 * One request's way through the cache. Create it with {@link HttpCache.begin}; always call
 * {@link CacheRequest.finish} at the end (it releases the cache lock).
 */
export class CacheRequest {
  private readonly cache: HttpCache;
  private readonly request: RequestHeader;
  private readonly requestCc: CacheControl;
  private readonly uri: string;
  private readonly primary: string;
  private key: string;
  private stored: CachedObject | undefined;
  private release: ((outcome: CachedObject | undefined) => void) | undefined;
  private requestTime = 0;
  private isRefresh = false;
  /** The `Cache-Status` value (RFC 9211) once decided. */
  status = '';

  /** @internal */
  constructor(cache: HttpCache, request: RequestHeader, scheme: 'http' | 'https', extra: string) {
    this.cache = cache;
    this.request = request;
    this.requestCc = CacheControl.of(request.headers);
    this.uri = primaryKey(request, scheme);
    this.primary = extra === '' ? this.uri : primaryKey(request, scheme, extra);
    this.key = this.primary;
  }

  private get now(): number {
    return this.cache.options.clock();
  }

  private setStatus(detail: string): void {
    this.status = `${this.cache.options.name}; ${detail}`;
  }

  /** Looks the request up (RFC 9111 section 4). */
  async lookup(): Promise<LookupResult> {
    const method = this.request.method;
    if ((method !== 'GET' && method !== 'HEAD') || this.requestCc.has('no-store')) {
      this.cache.stats.bypassed++;
      this.setStatus('fwd=bypass');
      return { kind: 'bypass' };
    }
    const vary = this.cache.varyFor(this.primary);
    this.key =
      vary === undefined || vary.length === 0
        ? this.primary
        : `${this.primary}\n${variantKey(vary, this.request.headers)}`;
    this.requestTime = this.now;
    const found = vary === undefined ? undefined : await this.cache.storage.lookup(this.key);
    if (found === undefined) {
      const why = vary === undefined ? 'uri-miss' : 'vary-miss';
      if (this.requestCc.has('only-if-cached')) return this.onlyIfCached(why);
      return this.missWithLock(why);
    }
    this.stored = found;
    return this.judge(found);
  }

  /** Fresh, allowed stale, or to be revalidated. */
  private judge(found: CachedObject): LookupResult {
    const meta = found.meta;
    const policy = storedPolicy(meta, this.cache.options);
    const { cc, lifetime, noCacheFields, initialAge } = policy;
    const age = initialAge + residentTime(meta, this.now);
    const reqCc = this.requestCc;
    const mustValidateAlways = noCacheFields !== undefined && noCacheFields.length === 0;
    const isRequestNoCache =
      reqCc.has('no-cache') ||
      (!this.request.headers.has('cache-control') &&
        /\bno-cache\b/i.test(this.request.headers.get('pragma') ?? ''));
    let isFresh = lifetime > age;
    const reqMaxAge = reqCc.seconds('max-age');
    if (reqMaxAge !== undefined && age > reqMaxAge) isFresh = false;
    const minFresh = reqCc.seconds('min-fresh');
    if (minFresh !== undefined && lifetime - age < minFresh) isFresh = false;
    if (isFresh && !isRequestNoCache && !mustValidateAlways) {
      this.cache.stats.hits++;
      this.setStatus(`hit; ttl=${Math.floor(lifetime - age)}`);
      return { kind: 'hit', response: this.serve(found, age, policy) };
    }
    const staleness = age - lifetime;
    // s-maxage implies proxy-revalidate for a shared cache (RFC 9111 section 5.2.2.10).
    const mustRevalidate =
      cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage');
    const isTooOldForClient = reqMaxAge !== undefined && age > reqMaxAge;
    const conditional = conditionalFields(meta.headers);
    if (
      !mustRevalidate &&
      !isRequestNoCache &&
      !mustValidateAlways &&
      !isTooOldForClient &&
      staleness >= 0
    ) {
      const maxStale = reqCc.maxStale();
      if (maxStale !== undefined && staleness <= maxStale) {
        this.cache.stats.staleServed++;
        this.setStatus(`hit; ttl=${Math.floor(lifetime - age)}`);
        return { kind: 'hit', response: this.serve(found, age, policy) };
      }
      const swr = cc.seconds('stale-while-revalidate');
      if (swr !== undefined && staleness <= swr) {
        this.cache.stats.staleServed++;
        this.setStatus(`hit; ttl=${Math.floor(lifetime - age)}; detail=stale-while-revalidate`);
        const response = this.serve(found, age, policy);
        // The first stale answer refreshes; the others are served stale meanwhile.
        if (!this.cache.startRefresh(this.key)) return { kind: 'hit', response };
        this.isRefresh = true;
        return { kind: 'stale-while-revalidate', response, conditional };
      }
    }
    if (reqCc.has('only-if-cached')) return this.onlyIfCached('stale');
    this.cache.stats.misses++;
    if (conditional.length === 0) {
      this.setStatus(isRequestNoCache ? 'fwd=request' : 'fwd=stale');
      return { kind: 'miss' };
    }
    this.cache.stats.revalidations++;
    this.setStatus(isRequestNoCache ? 'fwd=request' : 'fwd=stale');
    return { kind: 'revalidate', conditional };
  }

  private onlyIfCached(why: string): LookupResult {
    this.setStatus(`fwd=${why}; detail=only-if-cached`);
    return { kind: 'only-if-cached' };
  }

  /** A miss: take the lock, or wait for the request that holds it and be served from its result. */
  private async missWithLock(why: string): Promise<LookupResult> {
    this.cache.stats.misses++;
    this.setStatus(`fwd=${why}`);
    const timeout = this.cache.options.lockTimeoutMs;
    if (timeout <= 0 || this.request.method !== 'GET') return { kind: 'miss' };
    const taken = this.cache.lock.acquire(this.key);
    if ('release' in taken) {
      this.release = taken.release;
      return { kind: 'miss' };
    }
    const object = await this.cache.lock.waitFor(taken.wait, timeout);
    if (object === undefined) return { kind: 'miss' };
    this.cache.stats.misses--;
    this.cache.stats.hits++;
    this.cache.stats.collapsed++;
    const policy = storedPolicy(object.meta, this.cache.options);
    const age = policy.initialAge + residentTime(object.meta, this.now);
    this.setStatus(`hit; ttl=${Math.floor(policy.lifetime - age)}; collapsed`);
    return { kind: 'hit', response: this.serve(object, age, policy) };
  }

  /**
   * The stored response as the client gets it: Age (RFC 9111 section 5.1), Cache-Status, the
   * fields a qualified no-cache names removed, and a 304 when the client's own conditional
   * matches (section 4.3.2).
   */
  private serve(object: CachedObject, age: number, policy: StoredPolicy): CachedResponse {
    const meta = object.meta;
    // The stored fields without Age, Content-Length, Cache-Status and the fields a qualified
    // no-cache names, made once per stored head: a hit copies them and appends its own three.
    const base = policy.servedFields;
    const names = base.names.slice();
    const values = base.values.slice();
    names.push('Age', 'Content-Length');
    values.push(String(Math.floor(age)), String(object.body.length));
    const headers = HeaderMap.fromValidated(names, values);
    if (this.status !== '') headers.append('Cache-Status', this.status);
    if (meta.status === 200 && this.clientConditionalMatches(meta.headers)) {
      const h = new HeaderMap();
      for (const name of [
        'cache-control',
        'content-location',
        'date',
        'etag',
        'expires',
        'vary',
        'age',
        'cache-status',
      ]) {
        for (const v of headers.getAll(name)) h.append(name, v);
      }
      return {
        head: new ResponseHeader(304, 'Not Modified', 'HTTP/1.1', h),
        body: Buffer.alloc(0),
      };
    }
    const body = this.request.method === 'HEAD' ? Buffer.alloc(0) : object.body;
    return { head: new ResponseHeader(meta.status, meta.reason, 'HTTP/1.1', headers), body };
  }

  /** If-None-Match (weak comparison), else If-Modified-Since, against the stored validators. */
  private clientConditionalMatches(stored: HeaderMap): boolean {
    const inm = this.request.headers.get('if-none-match');
    if (inm !== undefined) {
      const etag = stored.get('etag');
      if (inm.trim() === '*') return true;
      if (etag === undefined) return false;
      const opaque = (t: string) => t.trim().replace(/^W\//, '');
      return inm.split(',').some((t) => opaque(t) === opaque(etag));
    }
    const ims = parseHttpDate(this.request.headers.get('if-modified-since'));
    if (ims === undefined) return false;
    const lastModified = parseHttpDate(stored.get('last-modified') ?? stored.get('date'));
    return lastModified !== undefined && lastModified <= ims;
  }

  /** Decides what to do with the upstream response head (store, refreshed stored, or pass). */
  onUpstreamResponse(head: ResponseHeader): UpstreamDecision {
    const responseTime = this.now;
    if (!SAFE_METHODS.has(this.request.method)) {
      if (UNSAFE_OK(head.status)) void this.invalidate(head);
      return { kind: 'pass', head: this.withStatus(head) };
    }
    if (head.status === 304 && this.stored !== undefined) {
      const response = this.revalidated(head, responseTime);
      return { kind: 'revalidated', response };
    }
    if (this.status === '') this.setStatus('fwd=miss');
    const why =
      this.request.method === 'GET' ? whyNotStorable(this.request, head, this.requestCc) : 'method';
    if (why !== undefined) {
      this.release?.(undefined);
      this.release = undefined;
      if (this.isRefresh) this.cache.endRefresh(this.key);
      // The origin replaced the stored response with one that may not be stored: the stored
      // one no longer stands for the resource (a final non-error answer), so drop it.
      if (this.stored !== undefined && head.status < 500 && head.status !== 304)
        void this.cache.storage.purge(this.key);
      return { kind: 'pass', head: this.withStatus(head) };
    }
    this.setStatus(`${this.status.slice(this.cache.options.name.length + 2)}; stored`);
    const vary = varyNames(head.headers);
    const key =
      vary.length === 0
        ? this.primary
        : `${this.primary}\n${variantKey(vary, this.request.headers)}`;
    const stored = storedHeaders(head.headers, responseTime);
    // A qualified private names fields a shared cache must not store (RFC 9111 5.2.2.7).
    for (const name of CacheControl.of(head.headers).fieldNames('private') ?? [])
      stored.remove(name);
    const meta: CacheMeta = {
      status: head.status,
      reason: head.reason,
      headers: stored,
      requestTime: this.requestTime || responseTime,
      responseTime,
      vary,
    };
    return { kind: 'store', head: this.withStatus(head), writer: this.writer(key, meta) };
  }

  /**
   * The upstream failed (or answered 5xx): a stale response allowed by stale-if-error (RFC 5861
   * section 4), or undefined.
   */
  onUpstreamError(): CachedResponse | undefined {
    const found = this.stored;
    if (found === undefined) return undefined;
    const policy = storedPolicy(found.meta, this.cache.options);
    const { cc, lifetime, initialAge } = policy;
    if (cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage'))
      return undefined;
    const limit = this.requestCc.seconds('stale-if-error') ?? cc.seconds('stale-if-error');
    if (limit === undefined) return undefined;
    const age = initialAge + residentTime(found.meta, this.now);
    if (age - lifetime > limit) return undefined;
    this.cache.stats.staleServed++;
    this.setStatus(`hit; ttl=${Math.floor(lifetime - age)}; detail=stale-if-error`);
    return this.serve(found, age, policy);
  }

  /** Ends the request's part in the cache: releases the lock (waiters then fetch themselves). */
  finish(): void {
    this.release?.(undefined);
    this.release = undefined;
    if (this.isRefresh) this.cache.endRefresh(this.key);
  }

  private withStatus(head: ResponseHeader): ResponseHeader {
    if (this.status !== '') head.headers.set('Cache-Status', this.status);
    return head;
  }

  /** A 304 updates the stored fields (RFC 9111 section 3.2) and the stored response is served. */
  private revalidated(head: ResponseHeader, responseTime: number): CachedResponse {
    const old = this.stored as CachedObject;
    const headers = old.meta.headers.clone();
    const updated = new Set<string>();
    for (const [name, value] of head.headers) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || KEEP_ON_304.has(lower)) continue;
      if (!updated.has(lower)) {
        headers.remove(lower);
        updated.add(lower);
      }
      headers.append(name, value);
    }
    if (!headers.has('date')) headers.set('Date', new Date(responseTime).toUTCString());
    headers.remove('age');
    const meta: CacheMeta = { ...old.meta, headers, requestTime: this.requestTime, responseTime };
    const object: CachedObject = { meta, body: old.body };
    void this.cache.storage.updateMeta(this.key, meta);
    this.stored = object;
    this.setStatus('fwd=stale; fwd-status=304');
    if (this.isRefresh) this.cache.endRefresh(this.key);
    const policy = storedPolicy(meta, this.cache.options);
    return this.serve(object, policy.initialAge + residentTime(meta, this.now), policy);
  }

  private writer(key: string, meta: CacheMeta): CacheWriter {
    const parts: Uint8Array[] = [];
    let size = 0;
    let isOpen = true;
    // Past the storage's object limit the body cannot be stored: stop buffering it and let
    // the requests waiting on the lock go upstream now rather than at the end of the stream.
    const limit = this.cache.storage.maxObjectBytes ?? MAX_BUFFERED_BYTES;
    return {
      write: (chunk) => {
        if (!isOpen) return;
        size += chunk.length;
        if (size > limit) {
          isOpen = false;
          parts.length = 0;
          this.finish();
          return;
        }
        parts.push(Buffer.from(chunk));
      },
      finish: async () => {
        if (!isOpen) return this.finish();
        isOpen = false;
        const object: CachedObject = { meta, body: Buffer.concat(parts, size) };
        await this.cache.store(this.uri, this.primary, key, object);
        this.release?.(object);
        this.release = undefined;
        if (this.isRefresh) this.cache.endRefresh(this.key);
      },
      abort: () => {
        isOpen = false;
        parts.length = 0;
        this.finish();
      },
    };
  }

  /** RFC 9111 section 4.4: an unsafe request invalidates its target, Location and Content-Location. */
  private async invalidate(head: ResponseHeader): Promise<void> {
    const base = new URL(this.uri);
    const uris = [this.uri];
    for (const name of ['location', 'content-location']) {
      const value = head.headers.get(name);
      if (value === undefined) continue;
      try {
        const target = new URL(value, base);
        if (target.host === base.host)
          uris.push(`${base.protocol}//${base.host}${target.pathname}${target.search}`);
      } catch {
        // not a URI: nothing to invalidate
      }
    }
    for (const uri of uris) this.cache.stats.invalidated += await this.cache.purge(uri);
  }
}

/** If-None-Match and If-Modified-Since from the stored validators (RFC 9111 section 4.3.1). */
function conditionalFields(stored: HeaderMap): [string, string][] {
  const out: [string, string][] = [];
  const etag = stored.get('etag');
  const lastModified = stored.get('last-modified');
  if (etag !== undefined) out.push(['If-None-Match', etag]);
  if (lastModified !== undefined) out.push(['If-Modified-Since', lastModified]);
  return out;
}

/** The fields stored with a response: hop-by-hop ones dropped, a Date when none came. */
function storedHeaders(headers: HeaderMap, responseTime: number): HeaderMap {
  const listed = headers
    .getAll('connection')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase());
  const out = new HeaderMap();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (
      HOP_BY_HOP.has(lower) ||
      listed.includes(lower) ||
      lower === 'content-length' ||
      lower === 'cache-status'
    )
      continue;
    out.append(name, value);
  }
  if (!out.has('date')) out.set('Date', new Date(responseTime).toUTCString());
  return out;
}
