import { PingoraError } from '@pingora-ts/error';
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/index.js';
import { deferred, ManualTimers } from './manual-timers.js';

describe('MemoryCache.getOrLoad (single flight)', () => {
  it('calls the loader once for 1,000 concurrent misses on one key', async () => {
    const timers = new ManualTimers();
    const cache = new MemoryCache<string, { id: number }>({ weightLimit: 100, timers });
    const gate = deferred<void>();
    let calls = 0;
    const loader = async (key: string) => {
      calls++;
      await gate.promise;
      return { id: key.length };
    };
    const all = Array.from({ length: 1000 }, () => cache.getOrLoad('one-key', loader));
    expect(cache.loading).toBe(1);
    expect(timers.count).toBe(999); // one lock timeout per waiter
    gate.resolve();
    const results = await Promise.all(all);
    expect(calls).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1); // the same object for everyone
    expect(results.filter((r) => r.status === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'lock-hit')).toHaveLength(999);
    expect(timers.count).toBe(0);
    expect(cache.loading).toBe(0);
    // Now cached: no further loader call.
    expect(await cache.getOrLoad('one-key', loader)).toEqual({ value: { id: 7 }, status: 'hit' });
    expect(calls).toBe(1);
  });

  it('delivers the loader error to every waiter and does not cache it', async () => {
    const cache = new MemoryCache<string, string>({ weightLimit: 10, timers: new ManualTimers() });
    const failure = new Error('origin down');
    const gate = deferred<string>();
    let calls = 0;
    const loader = () => {
      calls++;
      return gate.promise;
    };
    const all = Array.from({ length: 100 }, () => cache.getOrLoad('k', loader));
    gate.reject(failure);
    const settled = await Promise.allSettled(all);
    expect(settled.every((s) => s.status === 'rejected' && s.reason === failure)).toBe(true);
    expect(calls).toBe(1);
    expect(cache.get('k')).toEqual({ status: 'miss' });
    expect(cache.loading).toBe(0);
    expect(await cache.getOrLoad('k', () => 'recovered')).toEqual({
      value: 'recovered',
      status: 'miss',
    });
    expect(calls).toBe(1);
  });

  it('treats a loader that throws synchronously like one that rejects', async () => {
    const cache = new MemoryCache<string, string>({ weightLimit: 10 });
    const boom = new TypeError('bad key');
    const loader = (): string => {
      throw boom;
    };
    await expect(cache.getOrLoad('k', loader)).rejects.toBe(boom);
    expect(cache.loading).toBe(0);
  });

  it('gives up waiting after the lock timeout with an InternalError', async () => {
    const timers = new ManualTimers();
    const cache = new MemoryCache<string, string>({ weightLimit: 10, timers, lockTimeoutMs: 250 });
    const stuck = deferred<string>();
    const first = cache.getOrLoad('k', () => stuck.promise);
    const waiter = cache.getOrLoad('k', () => 'never called');
    timers.fireAll();
    const error = await waiter.catch((e: unknown) => e);
    expect(PingoraError.is(error)).toBe(true);
    expect((error as PingoraError).kind).toBe('InternalError');
    expect((error as PingoraError).message).toContain('lock timeout: waited 250 ms');
    // The first load still completes and fills the cache.
    stuck.resolve('late');
    expect(await first).toEqual({ value: 'late', status: 'miss' });
    expect(cache.get('k')).toEqual({ status: 'hit', value: 'late' });
  });

  it("loads for itself after the lock timeout with onLockTimeout: 'load'", async () => {
    const timers = new ManualTimers();
    const cache = new MemoryCache<string, string>({
      weightLimit: 10,
      timers,
      onLockTimeout: 'load',
    });
    const stuck = deferred<string>();
    const first = cache.getOrLoad('k', () => stuck.promise);
    const waiter = cache.getOrLoad('k', () => 'own');
    timers.fireAll();
    expect(await waiter).toEqual({ value: 'own', status: 'miss' });
    expect(cache.get('k')).toEqual({ status: 'hit', value: 'own' });
    stuck.resolve('late');
    await first;
    expect(cache.loading).toBe(0);
  });

  it('reloads expired and stale entries, reporting which, and keeps keys independent', async () => {
    let now = 0;
    const cache = new MemoryCache<string, number>({
      weightLimit: 10,
      staleWindowMs: 100,
      clock: () => now,
    });
    let version = 0;
    const loader = () => ++version;
    expect(await cache.getOrLoad('a', loader, { ttlMs: 10 })).toEqual({ value: 1, status: 'miss' });
    expect(await cache.getOrLoad('a', loader)).toEqual({ value: 1, status: 'hit' });
    now = 50;
    expect(await cache.getOrLoad('a', loader, { ttlMs: 10 })).toEqual({
      value: 2,
      status: 'stale',
    });
    now = 500;
    expect(await cache.getOrLoad('a', loader)).toEqual({ value: 3, status: 'expired' });
    const [b, c] = await Promise.all([cache.getOrLoad('b', loader), cache.getOrLoad('c', loader)]);
    expect([b.status, c.status]).toEqual(['miss', 'miss']);
    expect(version).toBe(5);
  });

  it('waits without a timer when lockTimeoutMs is Infinity', async () => {
    const timers = new ManualTimers();
    const cache = new MemoryCache<string, string>({
      weightLimit: 10,
      timers,
      lockTimeoutMs: Number.POSITIVE_INFINITY,
    });
    const gate = deferred<string>();
    const first = cache.getOrLoad('k', () => gate.promise);
    const second = cache.getOrLoad('k', () => 'unused');
    expect(timers.count).toBe(0);
    gate.resolve('v');
    expect(await second).toEqual({ value: 'v', status: 'lock-hit' });
    await first;
  });
});
