import type { HeaderMap } from '@pingora-ts/http-parser';
import { CacheControl } from './cache-control.js';
import type { CacheMeta } from './cache-storage.js';
import { correctedInitialAge, type FreshnessOptions, freshnessLifetime } from './freshness.js';

/** What the hit path needs from a stored response's fields, parsed once per stored head. */
export interface StoredPolicy {
  readonly cc: CacheControl;
  /** Freshness lifetime, seconds (RFC 9111 section 4.2.1). */
  readonly lifetime: number;
  /** Field names of a qualified `no-cache` (removed when served), `[]` unqualified. */
  readonly noCacheFields: string[] | undefined;
  /** Corrected initial age, seconds (section 4.2.3); add the resident time for the age. */
  readonly initialAge: number;
  /**
   * The stored fields as served, less the ones each hit sets itself (Age, Content-Length,
   * Cache-Status) and the ones a qualified no-cache names. Shared: copy before changing.
   */
  readonly servedFields: HeaderMap;
}

/** Fields a hit sets itself. */
const PER_HIT = ['age', 'content-length', 'cache-status'];

// Keyed by the metadata object: a 304 makes a new one (and so a new policy). The check on the
// headers object and times guards a storage that changes the same metadata object in place.
interface Memo {
  readonly headers: CacheMeta['headers'];
  readonly requestTime: number;
  readonly responseTime: number;
  readonly policy: StoredPolicy;
}
const memo = new WeakMap<CacheMeta, Memo>();

/**
 * The parsed directives and freshness lifetime of `meta`, memoised: a hit then costs no
 * parsing of Cache-Control, Expires, Date or Last-Modified (the lifetime depends on the stored
 * fields only; the age, which depends on the clock, is computed per request).
 */
export function storedPolicy(meta: CacheMeta, options: FreshnessOptions): StoredPolicy {
  const known = memo.get(meta);
  if (
    known !== undefined &&
    known.headers === meta.headers &&
    known.requestTime === meta.requestTime &&
    known.responseTime === meta.responseTime
  )
    return known.policy;
  const cc = CacheControl.of(meta.headers);
  const noCacheFields = cc.fieldNames('no-cache');
  const servedFields = meta.headers.clone();
  for (const name of PER_HIT) servedFields.remove(name);
  for (const name of noCacheFields ?? []) servedFields.remove(name);
  const policy: StoredPolicy = {
    cc,
    lifetime: freshnessLifetime(meta.status, meta.headers, options, cc),
    noCacheFields,
    initialAge: correctedInitialAge(meta.headers, meta),
    servedFields,
  };
  memo.set(meta, {
    headers: meta.headers,
    requestTime: meta.requestTime,
    responseTime: meta.responseTime,
    policy,
  });
  return policy;
}
