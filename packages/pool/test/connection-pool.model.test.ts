import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionPool, EVICTION_REASONS, type EvictionReason } from '../src/index.js';
import { FakeConnection, FakeWatcher } from './fake-connection.js';
import { ManualTimers } from './manual-timers.js';

// The reference model: every idle connection in one array in `put` order (oldest first).
// take(key) = the newest of key (LIFO); the per-key cap drops the key's oldest; the global cap
// drops the oldest of all (LRU across keys: idle connections are only touched by put/take).
// Each has a deadline (put time + idle timeout); moving the clock past it drops it.
interface ModelEntry {
  readonly id: number;
  readonly key: string;
  readonly since: number;
  readonly deadline: number;
}

const POOL_IDLE_TIMEOUT = 10;

class Model {
  readonly idle: ModelEntry[] = [];
  readonly evictions = Object.fromEntries(EVICTION_REASONS.map((r) => [r, 0])) as Record<
    EvictionReason,
    number
  >;
  hits = 0;
  misses = 0;
  now = 0;

  constructor(
    readonly maxIdle: number,
    readonly maxIdlePerKey: number,
  ) {}

  put(id: number, key: string, idleTimeoutMs: number | undefined): boolean {
    if (this.maxIdlePerKey === 0) return this.refuse('per-key-cap');
    if (this.maxIdle === 0) return this.refuse('global-cap');
    const timeout = idleTimeoutMs ?? POOL_IDLE_TIMEOUT;
    const deadline = timeout === 0 ? Number.POSITIVE_INFINITY : this.now + timeout;
    this.idle.push({ id, key, since: this.now, deadline });
    const ofKey = this.idle.filter((e) => e.key === key);
    if (ofKey.length > this.maxIdlePerKey) this.drop(ofKey[0]!.id, 'per-key-cap');
    if (this.idle.length > this.maxIdle) this.drop(this.idle[0]!.id, 'global-cap');
    return true;
  }

  take(key: string): ModelEntry | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (this.idle[i]!.key === key) {
        this.hits++;
        return this.idle.splice(i, 1)[0]!;
      }
    }
    this.misses++;
    return undefined;
  }

  evict(key: string): number {
    const ofKey = this.idle.filter((e) => e.key === key);
    for (const e of ofKey) this.drop(e.id, 'explicit');
    return ofKey.length;
  }

  advance(ms: number): void {
    this.now += ms;
    for (const e of this.idle.filter((e) => e.deadline <= this.now))
      this.drop(e.id, 'idle-timeout');
  }

  drop(id: number, reason: EvictionReason): void {
    const i = this.idle.findIndex((e) => e.id === id);
    if (i < 0) return;
    this.idle.splice(i, 1);
    this.evictions[reason]++;
  }

  private refuse(reason: EvictionReason): false {
    this.evictions[reason]++;
    return false;
  }
}

type Op =
  | { readonly op: 'put'; readonly key: string; readonly timeout: number | undefined }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'take'; readonly key: string; readonly bare: boolean }
  | { readonly op: 'evict'; readonly key: string }
  | {
      readonly op: 'peer';
      readonly pick: number;
      readonly event: 'close' | 'data' | 'end' | 'error';
    }
  | {
      readonly op: 'return';
      readonly pick: number;
      readonly key: string;
      readonly timeout: number | undefined;
    };

const keyArb = fc.constantFrom('a', 'b', 'c', 'd');
// undefined: the pool's default; 0: never times out.
const timeoutArb = fc.constantFrom(undefined, 0, 5, 20);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: keyArb, timeout: timeoutArb }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ op: fc.constant('take' as const), key: keyArb, bare: fc.boolean() }),
  fc.record({ op: fc.constant('evict' as const), key: keyArb }),
  fc.record({
    op: fc.constant('peer' as const),
    pick: fc.nat(),
    event: fc.constantFrom('close' as const, 'data' as const, 'end' as const, 'error' as const),
  }),
  fc.record({
    op: fc.constant('return' as const),
    pick: fc.nat(),
    key: keyArb,
    timeout: timeoutArb,
  }),
);

describe.each([
  ['its own listeners', false],
  ["the owner's IdleWatcher", true],
])(
  'ConnectionPool against a reference model (fake connections), watching with %s',
  (_, isWatched) => {
    it('takes LIFO per key, evicts LRU across keys, honours caps and idle timeouts, never hands out twice', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 6 }),
          fc.integer({ min: 0, max: 4 }),
          fc.array(opArb, { maxLength: 120 }),
          (maxIdle, maxIdlePerKey, ops) => {
            const timers = new ManualTimers();
            const pool = new ConnectionPool<FakeConnection>(
              { maxIdle, maxIdlePerKey, idleTimeoutMs: POOL_IDLE_TIMEOUT },
              timers,
            );
            const model = new Model(maxIdle, maxIdlePerKey);
            const conns = new Map<number, FakeConnection>();
            const watchers = new Map<FakeConnection, FakeWatcher>();
            const watcherOf = (conn: FakeConnection) => {
              if (!isWatched) return undefined;
              let w = watchers.get(conn);
              if (w === undefined) {
                w = new FakeWatcher(conn);
                watchers.set(conn, w);
              }
              return w;
            };
            const out = new Map<number, string>(); // handed out, not yet returned
            let nextId = 1;
            try {
              for (const o of ops) {
                if (o.op === 'put') {
                  const conn = new FakeConnection(nextId++);
                  conns.set(conn.id, conn);
                  const meta = o.timeout === undefined ? {} : { idleTimeoutMs: o.timeout };
                  expect(pool.put(o.key, conn, meta, watcherOf(conn))).toBe(
                    model.put(conn.id, o.key, o.timeout),
                  );
                } else if (o.op === 'advance') {
                  timers.advance(o.ms);
                  model.advance(o.ms);
                } else if (o.op === 'take') {
                  // takeConnection must choose exactly as take does, without the wrapper.
                  const taken = o.bare ? undefined : pool.take(o.key);
                  const conn = o.bare ? pool.takeConnection(o.key) : taken?.conn;
                  const want = model.take(o.key);
                  expect(conn?.id).toBe(want?.id);
                  if (conn !== undefined) {
                    if (taken !== undefined) expect(taken.idleMs).toBe(model.now - want!.since);
                    expect(out.has(conn.id)).toBe(false);
                    expect(conn.destroyed).toBe(false);
                    if (isWatched) expect(watcherOf(conn)?.isWatching).toBe(false);
                    else expect(conn.watchers()).toBe(0);
                    out.set(conn.id, o.key);
                  }
                } else if (o.op === 'evict') {
                  expect(pool.evict(o.key)).toBe(model.evict(o.key));
                } else if (o.op === 'return') {
                  const ids = [...out.keys()];
                  if (ids.length === 0) continue;
                  const id = ids[o.pick % ids.length]!;
                  out.delete(id);
                  const meta = o.timeout === undefined ? {} : { idleTimeoutMs: o.timeout };
                  const conn = conns.get(id)!;
                  expect(pool.put(o.key, conn, meta, watcherOf(conn))).toBe(
                    model.put(id, o.key, o.timeout),
                  );
                } else {
                  // The peer acts on one idle connection: it must be evicted at once.
                  if (model.idle.length === 0) continue;
                  const { id } = model.idle[o.pick % model.idle.length]!;
                  const conn = conns.get(id)!;
                  if (o.event === 'close') conn.emit('close');
                  else if (o.event === 'end') conn.hangUp();
                  else if (o.event === 'data') conn.receive(5);
                  else conn.emit('error', new Error('ECONNRESET'));
                  const reason: EvictionReason =
                    o.event === 'data'
                      ? 'unexpected-data'
                      : o.event === 'error'
                        ? 'error'
                        : 'remote-close';
                  model.drop(id, reason);
                  expect(conn.destroyed).toBe(true);
                }
                const stats = pool.stats();
                expect(stats.idle).toBe(model.idle.length);
                expect(stats.keys).toBe(new Set(model.idle.map((e) => e.key)).size);
                expect(stats.evictions).toEqual(model.evictions);
                expect(stats.hits).toBe(model.hits);
                expect(stats.misses).toBe(model.misses);
                expect(stats.idle).toBeLessThanOrEqual(maxIdle);
                // One armed deadline per idle connection that can time out: none leak.
                expect(timers.armed).toBe(model.idle.filter((e) => e.deadline !== Infinity).length);
              }
              // Exactly the idle ones and the ones handed out are alive.
              const idleIds = new Set(model.idle.map((e) => e.id));
              for (const [id, conn] of conns) {
                expect(conn.destroyed).toBe(!idleIds.has(id) && !out.has(id));
              }
            } finally {
              pool.close();
            }
            expect(timers.armed).toBe(0);
            for (const id of out.keys()) expect(conns.get(id)!.destroyed).toBe(false);
            for (const [id, conn] of conns) if (!out.has(id)) expect(conn.destroyed).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  },
);

describe('ConnectionPool with an IdleWatcher', () => {
  it('drops a connection its watcher reports lost at once, arming nothing', () => {
    const timers = new ManualTimers();
    const pool = new ConnectionPool<FakeConnection>({ idleTimeoutMs: 100 }, timers);
    const conn = new FakeConnection(1);
    const watcher = {
      watch: (lost: (r: 'remote-close') => void) => lost('remote-close'),
      unwatch() {},
    };
    expect(pool.put('k', conn, {}, watcher)).toBe(false);
    expect(conn.destroyed).toBe(true);
    expect(pool.stats().idle).toBe(0);
    expect(pool.stats().evictions['remote-close']).toBe(1);
    expect(timers.armed).toBe(0);
    expect(pool.take('k')).toBeUndefined();
  });
});

describe('ConnectionPool over many keys', () => {
  it('keeps serving keys across sweeps of emptied stacks (5000 keys, every tenth left idle)', () => {
    const timers = new ManualTimers();
    const pool = new ConnectionPool<FakeConnection>({ maxIdle: 10_000, maxIdlePerKey: 4 }, timers);
    const idle = new Map<string, FakeConnection>();
    for (let i = 0; i < 5000; i++) {
      const key = `peer-${i}`;
      const conn = new FakeConnection(i);
      expect(pool.put(key, conn)).toBe(true);
      if (i % 10 !== 0) expect(pool.take(key)?.conn).toBe(conn);
      else idle.set(key, conn);
    }
    expect(pool.stats()).toMatchObject({ idle: 500, keys: 500 });
    // A key emptied long ago (its stack swept) takes a connection again and hands it back.
    const again = new FakeConnection(-1);
    expect(pool.put('peer-1', again)).toBe(true);
    expect(pool.take('peer-1')?.conn).toBe(again);
    for (const [key, conn] of idle) expect(pool.take(key)?.conn).toBe(conn);
    expect(pool.stats()).toMatchObject({ idle: 0, keys: 0, hits: 5001, misses: 0 });
    // Put twice while idle is still refused after all that churn.
    const twice = new FakeConnection(-2);
    pool.put('peer-7', twice);
    expect(() => pool.put('peer-7', twice)).toThrow(/already idle/);
  });
});
