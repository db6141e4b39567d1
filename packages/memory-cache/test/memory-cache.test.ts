import { PingoraError } from '@pingora-ts/error';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/index.js';

function clocked(options: { staleWindowMs?: number; defaultTtlMs?: number } = {}) {
  const time = { now: 1000 };
  const cache = new MemoryCache<string, string>({
    weightLimit: 100,
    clock: () => time.now,
    ...options,
  });
  return { cache, time };
}

describe('MemoryCache lookups', () => {
  it('answers hit until the TTL, stale within the window, then expired once, then miss', () => {
    const { cache, time } = clocked({ staleWindowMs: 50 });
    expect(cache.get('k')).toEqual({ status: 'miss' });
    expect(cache.put('k', 'v', { ttlMs: 100 })).toBe(true);
    expect(cache.get('k')).toEqual({ status: 'hit', value: 'v' });
    time.now = 1099;
    expect(cache.get('k')).toEqual({ status: 'hit', value: 'v' });
    time.now = 1100;
    expect(cache.get('k')).toEqual({ status: 'stale', value: 'v', staleForMs: 0 });
    time.now = 1149;
    expect(cache.get('k')).toEqual({ status: 'stale', value: 'v', staleForMs: 49 });
    time.now = 1150;
    expect(cache.get('k')).toEqual({ status: 'expired' });
    expect(cache.get('k')).toEqual({ status: 'miss' });
    expect(cache.size).toBe(0);
  });

  it('uses the default TTL (no expiry unless configured) and no stale window by default', () => {
    const { cache, time } = clocked();
    cache.put('forever', 'v');
    time.now = Number.MAX_SAFE_INTEGER;
    expect(cache.get('forever').status).toBe('hit');
    const short = clocked({ defaultTtlMs: 10 });
    short.cache.put('k', 'v');
    short.time.now += 10;
    expect(short.cache.get('k')).toEqual({ status: 'expired' });
  });

  it('removes entries and reports whether tinyufo admitted a put', () => {
    const cache = new MemoryCache<number, number>({ weightLimit: 2 });
    cache.put(1, 1);
    cache.put(1, 1); // seen twice: more popular than a newcomer
    cache.put(2, 2);
    cache.put(2, 2);
    expect(cache.put(3, 3)).toBe(false);
    expect(cache.get(3).status).toBe('miss');
    expect(cache.forcePut(3, 3)).toBe(true);
    expect(cache.get(3)).toEqual({ status: 'hit', value: 3 });
    expect(cache.remove(3)).toBe(true);
    expect(cache.remove(3)).toBe(false);
    expect(cache.forcePut(4, 4, { weight: 3 })).toBe(false);
  });

  it('rejects bad options with InvalidConfig and bad TTLs likewise', () => {
    const bad = [
      { weightLimit: 0 },
      { weightLimit: 10, staleWindowMs: -1 },
      { weightLimit: 10, lockTimeoutMs: Number.NaN },
      { weightLimit: 10, onLockTimeout: 'wait' as 'error' },
    ];
    for (const options of bad) {
      let caught: unknown;
      try {
        new MemoryCache(options);
      } catch (error) {
        caught = error;
      }
      expect(PingoraError.is(caught) && caught.kind).toBe('InvalidConfig');
    }
    const cache = new MemoryCache<string, string>({ weightLimit: 10 });
    expect(() => cache.put('k', 'v', { ttlMs: -5 })).toThrow(/ttlMs/);
  });

  it('matches a map-with-TTL model while nothing is evicted', () => {
    const ops = fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('put' as const), key: fc.nat(9), ttl: fc.nat(100) }),
        fc.record({ op: fc.constantFrom('get' as const, 'remove' as const), key: fc.nat(9) }),
        fc.record({ op: fc.constant('tick' as const), ms: fc.nat(60) }),
      ),
      { maxLength: 200, size: 'max' },
    );
    fc.assert(
      fc.property(ops, fc.nat(40), (list, staleWindowMs) => {
        let now = 0;
        const cache = new MemoryCache<number, number>({
          weightLimit: 10,
          staleWindowMs,
          clock: () => now,
        });
        const model = new Map<number, { value: number; expiresAt: number }>();
        list.forEach((o, i) => {
          if (o.op === 'tick') now += o.ms;
          else if (o.op === 'put') {
            cache.put(o.key, i, { ttlMs: o.ttl });
            model.set(o.key, { value: i, expiresAt: now + o.ttl });
          } else if (o.op === 'remove') {
            expect(cache.remove(o.key)).toBe(model.delete(o.key));
          } else {
            const entry = model.get(o.key);
            const got = cache.get(o.key);
            if (!entry) expect(got).toEqual({ status: 'miss' });
            else if (now < entry.expiresAt)
              expect(got).toEqual({ status: 'hit', value: entry.value });
            else if (now - entry.expiresAt < staleWindowMs) {
              expect(got).toEqual({
                status: 'stale',
                value: entry.value,
                staleForMs: now - entry.expiresAt,
              });
            } else {
              expect(got).toEqual({ status: 'expired' });
              model.delete(o.key);
            }
          }
        });
      }),
    );
  });
});
