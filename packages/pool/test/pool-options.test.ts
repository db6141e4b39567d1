import { PingoraError } from '@pingora-ts/error';
import { describe, expect, it } from 'vitest';
import { ConnectionPool, POOL_DEFAULTS } from '../src/index.js';
import { FakeConnection } from './fake-connection.js';

describe('pool options', () => {
  it('has documented defaults', () => {
    expect(POOL_DEFAULTS).toEqual({ maxIdle: 128, maxIdlePerKey: 128, idleTimeoutMs: 60_000 });
  });

  it('rejects invalid options as InvalidConfig errors naming the option', () => {
    for (const options of [
      { maxIdle: -1 },
      { maxIdle: 1.5 },
      { maxIdlePerKey: Number.NaN },
      { idleTimeoutMs: -5 },
      { idleTimeoutMs: Number.NaN },
    ]) {
      let caught: unknown;
      try {
        new ConnectionPool(options);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(PingoraError);
      expect((caught as PingoraError).kind).toBe('InvalidConfig');
      expect((caught as PingoraError).detail?.name).toBe(Object.keys(options)[0]);
    }
  });

  it('rejects an invalid per-connection idle timeout without taking the connection', () => {
    const pool = new ConnectionPool<FakeConnection>();
    const conn = new FakeConnection(1);
    expect(() => pool.put('k', conn, { idleTimeoutMs: -1 })).toThrow(PingoraError);
    expect(pool.idleCount()).toBe(0);
    expect(conn.watchers()).toBe(0);
    pool.close();
  });

  it('a cap of 0 refuses every connection', () => {
    const none = new ConnectionPool<FakeConnection>({ maxIdle: 0 });
    const conn = new FakeConnection(1);
    expect(none.put('k', conn)).toBe(false);
    expect(conn.destroyed).toBe(true);
    expect(none.stats().evictions['global-cap']).toBe(1);
    none.close();
  });
});
