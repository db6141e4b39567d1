/**
 * An idle-connection pool for upstream connections, keyed by peer. Each peer key has a LIFO
 * hot stack (the most recently returned connection is reused first) with a cap, and a global
 * LRU across keys caps the total. Idle connections time out, and are watched while idle: one
 * that the peer closes, that errors, or that receives a byte is closed and dropped at once, so
 * it is never handed out. `take` / `put` / `evict`, with hit, miss and eviction statistics.
 *
 * @example
 * ```ts
 * import net from 'node:net';
 * import { ConnectionPool, peerKey } from '@pingora-ts/pool';
 *
 * const pool = new ConnectionPool<net.Socket>({ maxIdle: 64, maxIdlePerKey: 8, idleTimeoutMs: 30_000 });
 * const key = peerKey({ host: '127.0.0.1', port: 8080, protocol: 'http/1.1' });
 * const reused = pool.take(key); // undefined: a miss, connect a new one
 * const socket = reused?.conn ?? net.connect(8080, '127.0.0.1');
 * // ... after a complete request/response:
 * pool.put(key, socket, reused?.meta);
 * pool.stats(); // { hits, misses, reuseRatio, evictions: { 'remote-close': 0, ... }, idle, ... }
 * pool.close();
 * ```
 *
 * @packageDocumentation
 */
export { ConnectionPool } from './connection-pool.js';
export type { PoolTimers } from './idle-timers.js';
export {
  type PeerDescriptor,
  type PeerOptionValue,
  type PeerTls,
  peerKey,
} from './peer-key.js';
export type {
  ConnectionMeta,
  IdleLoss,
  IdleWatcher,
  PoolConnection,
  TakenConnection,
  WatchedEvent,
} from './pool-connection.js';
export { POOL_DEFAULTS, type PoolOptions } from './pool-options.js';
export { EVICTION_REASONS, type EvictionReason, type PoolStats } from './pool-stats.js';
