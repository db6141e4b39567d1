// Benchmark: take/put cycles per second on the pool, with FAKE in-memory connections
// (EventEmitters, so the pool's listener add/remove is paid as on a socket; the socket's own
// I/O is not what a pool costs). The anchor is a naive Map<string, Conn[]> with push/pop: a
// BASELINE for the bare bookkeeping floor, not a competitor — it has no caps, no LRU, no idle
// timeout and does not watch idle connections.
import { EventEmitter } from 'node:events';
import { ConnectionPool, type PoolConnection } from '@pingora-ts/pool';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

class FakeConnection extends EventEmitter implements PoolConnection {
  destroyed = false;
  readableLength = 0;
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

const KEYS = Array.from({ length: 16 }, (_, i) => `peer-${i}`);
const PER_KEY = 8;
const CYCLES = 200_000;

function filledPool(): ConnectionPool<FakeConnection> {
  // Caps above the working set: the benchmark measures reuse, not eviction.
  const pool = new ConnectionPool<FakeConnection>({ maxIdle: 1024, maxIdlePerKey: 64 });
  for (const key of KEYS) for (let i = 0; i < PER_KEY; i++) pool.put(key, new FakeConnection());
  return pool;
}

function filledMap(): Map<string, FakeConnection[]> {
  const map = new Map<string, FakeConnection[]>();
  for (const key of KEYS) {
    map.set(
      key,
      Array.from({ length: PER_KEY }, () => new FakeConnection()),
    );
  }
  return map;
}

const pool = filledPool();
const naive = filledMap();

const ops = await compareOps(
  {
    pool() {
      for (let i = 0; i < CYCLES; i++) {
        const key = KEYS[i & 15]!;
        const taken = pool.take(key)!;
        pool.put(key, taken.conn, taken.meta);
      }
      return CYCLES;
    },
    naive() {
      for (let i = 0; i < CYCLES; i++) {
        const key = KEYS[i & 15]!;
        const stack = naive.get(key)!;
        const conn = stack.pop()!;
        stack.push(conn);
      }
      return CYCLES;
    },
  },
  { rounds: 11, warmup: 3 },
);

const stats = pool.stats();
pool.close();
if (stats.misses !== 0) throw new Error(`benchmark pool missed ${stats.misses} times`);
console.log(
  `pool take+put: ${(ops.pool / 1e6).toFixed(2)}M cycles/s (${((2 * ops.pool) / 1e6).toFixed(2)}M ops/s)`,
);
report('pool', 'take-put', [
  row(
    'take+put cycle, 16 keys x 8 idle',
    'cycles/s',
    ops.pool,
    'Map<string, Conn[]> pop/push (baseline)',
    ops.naive,
  ),
]);
