import { once } from 'node:events';
import type net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionPool, peerKey } from '../src/index.js';
import { closed, LoopbackServer } from './loopback-server.js';

// Real sockets to a real server on 127.0.0.1: the pool must notice what the peer does.
let server: LoopbackServer;
let pool: ConnectionPool<net.Socket>;
const pools: ConnectionPool<net.Socket>[] = [];

function newPool(options: ConstructorParameters<typeof ConnectionPool>[0] = {}) {
  const p = new ConnectionPool<net.Socket>({ idleTimeoutMs: 0, ...options });
  pools.push(p);
  return p;
}

beforeEach(async () => {
  server = await LoopbackServer.start();
  pool = newPool();
});

afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  await server.close();
});

const keyA = peerKey({ host: '127.0.0.1', port: 1, protocol: 'http/1.1' });
const keyB = peerKey({ host: '127.0.0.1', port: 2, protocol: 'http/1.1' });
const keyC = peerKey({ host: '127.0.0.1', port: 3, protocol: 'http/1.1' });
const keyD = peerKey({ host: '127.0.0.1', port: 4, protocol: 'http/1.1' });

/** Sends `text` and reads the echo back: the connection really works. */
async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  socket.setEncoding('utf8');
  let got = '';
  socket.write(text);
  while (got.length < text.length) {
    const [chunk] = (await once(socket, 'data')) as [string];
    got += chunk;
  }
  return got;
}

describe('ConnectionPool on real sockets', () => {
  it('hands out the most recently returned socket first, and it still works', async () => {
    const s1 = await server.connect();
    const s2 = await server.connect();
    expect(pool.put(keyA, s1)).toBe(true);
    expect(pool.put(keyA, s2)).toBe(true);
    const first = pool.take(keyA)!;
    expect(first.conn).toBe(s2);
    expect(first.meta.reuseCount).toBe(1);
    expect(s2.listenerCount('readable')).toBe(0);
    // Handed back in its initial state: a 'data' listener starts the flow.
    expect(await roundTrip(s2, 'ping')).toBe('ping');
    expect(pool.take(keyA)!.conn).toBe(s1);
    expect(pool.take(keyA)).toBeUndefined();
    expect(pool.stats()).toMatchObject({ hits: 2, misses: 1, puts: 2, idle: 0, keys: 0 });
    expect(pool.stats().reuseRatio).toBeCloseTo(2 / 3);
  });

  it('evicts a socket the peer closes while idle, and hands out the other', async () => {
    const s1 = await server.connect();
    const s2 = await server.connect();
    pool.put(keyA, s1);
    pool.put(keyA, s2);
    (await server.peerOf(s2)).end();
    await closed(s2);
    expect(s2.destroyed).toBe(true);
    expect(pool.stats().evictions['remote-close']).toBe(1);
    expect(pool.idleCount(keyA)).toBe(1);
    expect(pool.take(keyA)!.conn).toBe(s1);
    expect(await roundTrip(s1, 'still here')).toBe('still here');
  });

  it('evicts a socket that receives unexpected bytes while idle', async () => {
    const s1 = await server.connect();
    pool.put(keyA, s1);
    (await server.peerOf(s1)).write('HTTP/1.1 408 Request Timeout\r\n\r\n');
    await closed(s1);
    expect(pool.stats().evictions['unexpected-data']).toBe(1);
    expect(pool.take(keyA)).toBeUndefined();
  });

  it('still notices bytes and close on a socket put while explicitly paused', async () => {
    const s1 = await server.connect();
    const s2 = await server.connect();
    s1.pause();
    s2.pause();
    pool.put(keyA, s1);
    pool.put(keyB, s2);
    (await server.peerOf(s1)).write('x');
    (await server.peerOf(s2)).end();
    await Promise.all([closed(s1), closed(s2)]);
    expect(pool.stats().evictions).toMatchObject({ 'unexpected-data': 1, 'remote-close': 1 });
  });

  it('still notices bytes on a socket left flowing by its previous owner', async () => {
    const s1 = await server.connect();
    expect(await roundTrip(s1, 'used once')).toBe('used once');
    s1.removeAllListeners('data');
    pool.put(keyA, s1);
    (await server.peerOf(s1)).write('stray');
    await closed(s1);
    expect(pool.stats().evictions['unexpected-data']).toBe(1);
  });

  it('evicts on a reset (error while idle)', async () => {
    const s1 = await server.connect();
    pool.put(keyA, s1);
    (await server.peerOf(s1)).resetAndDestroy();
    await closed(s1);
    // A RST on loopback surfaces as ECONNRESET on the next read: an 'error'.
    expect(pool.stats().evictions.error).toBe(1);
    expect(pool.idleCount()).toBe(0);
  });

  it('refuses a socket with buffered unread bytes on put', async () => {
    const s1 = await server.connect();
    const buffer = () => {};
    s1.on('readable', buffer);
    (await server.peerOf(s1)).write('left over');
    await once(s1, 'readable');
    s1.off('readable', buffer);
    expect(s1.readableLength).toBeGreaterThan(0);
    expect(pool.put(keyA, s1)).toBe(false);
    expect(s1.destroyed).toBe(true);
    expect(pool.stats().evictions['unexpected-data']).toBe(1);
    expect(pool.stats().puts).toBe(0);
  });

  it('never hands out a socket destroyed or ended behind its back', async () => {
    const s1 = await server.connect();
    const s2 = await server.connect();
    const s3 = await server.connect();
    pool.put(keyA, s1);
    pool.put(keyA, s2);
    pool.put(keyA, s3);
    s3.destroy(); // same tick: 'close' has not been emitted yet
    s2.end();
    expect(pool.take(keyA)!.conn).toBe(s1);
    expect(pool.stats().evictions['remote-close']).toBe(2);
    expect(pool.take(keyA)).toBeUndefined();
  });

  it('refuses a second put of a socket already idle', async () => {
    const s1 = await server.connect();
    pool.put(keyA, s1);
    expect(() => pool.put(keyB, s1)).toThrow(/already idle/);
    expect(pool.take(keyB)).toBeUndefined();
    expect(pool.take(keyA)!.conn).toBe(s1);
    expect(pool.take(keyA)).toBeUndefined();
  });

  it('closes an idle socket after its idle timeout, the per-connection one first', async () => {
    const p = newPool({ idleTimeoutMs: 40 });
    const s1 = await server.connect();
    const s2 = await server.connect();
    p.put(keyA, s1, { idleTimeoutMs: 0 }); // never times out
    p.put(keyA, s2);
    await closed(s2);
    expect(p.stats().evictions['idle-timeout']).toBe(1);
    expect(p.take(keyA)!.conn).toBe(s1);
    expect(s1.destroyed).toBe(false);
  });

  it('moves one idle timer per connection across idle periods: taken in time, kept; then closed', async () => {
    const p = newPool({ idleTimeoutMs: 60 });
    const s1 = await server.connect();
    // Three idle periods shorter than the timeout: each take cancels the timer, each put moves
    // the same one again; none of them may fire late for an earlier period.
    for (let i = 0; i < 3; i++) {
      p.put(keyA, s1);
      await new Promise((r) => setTimeout(r, 30));
      expect(p.take(keyA)?.conn).toBe(s1);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(s1.destroyed).toBe(false);
    expect(p.stats().evictions['idle-timeout']).toBe(0);
    // A fourth idle period outlives the timeout: closed once, as an idle timeout.
    p.put(keyA, s1);
    await closed(s1);
    expect(p.stats().evictions['idle-timeout']).toBe(1);
    expect(p.take(keyA)).toBeUndefined();
  });

  it('caps per key: the key’s oldest socket goes', async () => {
    const p = newPool({ maxIdlePerKey: 2 });
    const [s1, s2, s3, b1] = await Promise.all([
      server.connect(),
      server.connect(),
      server.connect(),
      server.connect(),
    ]);
    p.put(keyB, b1);
    p.put(keyA, s1);
    p.put(keyA, s2);
    p.put(keyA, s3);
    await closed(s1);
    expect(p.stats().evictions['per-key-cap']).toBe(1);
    expect(p.idleCount(keyA)).toBe(2);
    expect(p.idleCount(keyB)).toBe(1);
    expect([p.take(keyA)!.conn, p.take(keyA)!.conn]).toEqual([s3, s2]);
  });

  it('caps across keys: the least recently returned socket of any key goes', async () => {
    const p = newPool({ maxIdle: 3 });
    const [a, b, c, d] = await Promise.all([
      server.connect(),
      server.connect(),
      server.connect(),
      server.connect(),
    ]);
    p.put(keyA, a);
    p.put(keyB, b);
    p.put(keyC, c);
    // Reusing A makes it the most recent: B is now the least recently returned.
    const again = p.take(keyA)!;
    p.put(keyA, again.conn, again.meta);
    p.put(keyD, d);
    await closed(b);
    expect(p.stats().evictions['global-cap']).toBe(1);
    expect(p.idleCount()).toBe(3);
    expect(p.take(keyB)).toBeUndefined();
    expect(p.take(keyA)!.meta.reuseCount).toBe(2);
    expect(p.take(keyC)!.conn).toBe(c);
    expect(p.take(keyD)!.conn).toBe(d);
  });

  it('evict(key) and close() destroy idle sockets; close is idempotent', async () => {
    const [a1, a2, b1, late] = await Promise.all([
      server.connect(),
      server.connect(),
      server.connect(),
      server.connect(),
    ]);
    pool.put(keyA, a1);
    pool.put(keyA, a2);
    pool.put(keyB, b1);
    expect(pool.evict(keyA)).toBe(2);
    expect(pool.evict(keyA)).toBe(0);
    await Promise.all([closed(a1), closed(a2)]);
    pool.close();
    pool.close();
    expect(pool.closed).toBe(true);
    await closed(b1);
    expect(pool.put(keyA, late)).toBe(false);
    expect(late.destroyed).toBe(true);
    expect(pool.take(keyA)).toBeUndefined();
    expect(pool.stats().evictions.explicit).toBe(4);
  });
});
