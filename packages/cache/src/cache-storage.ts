import type { HeaderMap } from '@pingora-ts/http-parser';

/** What a stored response knows about itself besides its body. */
export interface CacheMeta {
  readonly status: number;
  readonly reason: string;
  /** Stored header fields (updated in place by a 304, RFC 9111 section 3.2). */
  headers: HeaderMap;
  /** When the request that brought it was sent, ms since the epoch. */
  requestTime: number;
  /** When it was received, ms since the epoch. */
  responseTime: number;
  /** The Vary field names it was stored under. */
  readonly vary: readonly string[];
}

/** One stored response: its metadata and its whole body. */
export interface CachedObject {
  readonly meta: CacheMeta;
  readonly body: Buffer;
}

/**
 * Where responses live. Lookups are async so that a disk or remote backend fits the same
 * interface; the body is written whole once the response completed (the proxy streams it to
 * the client meanwhile).
 */
export interface CacheStorage {
  /** The object under `key` (primary key plus variant). */
  lookup(key: string): Promise<CachedObject | undefined>;
  /** Stores `object` under `key`; false when refused (too large). */
  put(key: string, object: CachedObject): Promise<boolean>;
  /** Replaces the metadata of a stored object (after a 304). */
  updateMeta(key: string, meta: CacheMeta): Promise<void>;
  /** Removes `key`; true when something was there. */
  purge(key: string): Promise<boolean>;
  /**
   * Whether `key` is stored, without touching its recency. Optional: with it the cache prunes
   * its Vary and purge index of evicted keys; without it that index grows with distinct URIs.
   */
  has?(key: string): boolean;
  /** Bytes held. */
  readonly usedBytes: number;
  /**
   * Largest body it stores, bytes, when it has a limit: a writer stops buffering a response
   * once it is larger (the client still gets all of it) and lets lock waiters go upstream.
   */
  readonly maxObjectBytes?: number;
}
