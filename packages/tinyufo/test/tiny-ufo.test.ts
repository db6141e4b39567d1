import { describe, expect, it } from 'vitest';
import { TinyUfo } from '../src/index.js';

// The scenarios of Pingora's tinyufo unit tests, on a cache of weight 5 (small queue 1).
function filled(): TinyUfo<number, number> {
  const cache = new TinyUfo<number, number>({ weightLimit: 5 });
  expect(cache.put(1, 1, 1)).toEqual([]);
  expect(cache.put(2, 2, 2)).toEqual([]);
  expect(cache.put(3, 3, 2)).toEqual([]);
  expect(cache.weight).toBe(5);
  return cache;
}

describe('TinyUfo', () => {
  it('evicts from the small queue in FIFO order, as many as the new weight needs', () => {
    const cache = filled();
    const evicted = cache.put(4, 4, 3);
    expect(evicted.map((e) => [e.key, e.value, e.weight])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect([cache.has(1), cache.has(2), cache.has(3), cache.has(4)]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(cache.weight).toBe(5);
  });

  it('promotes an entry read more than once to the main queue instead of evicting it', () => {
    const cache = filled();
    cache.get(1);
    cache.get(1);
    const evicted = cache.put(4, 4, 2);
    expect(evicted).toHaveLength(1);
    expect(evicted[0]!.key).toBe(2);
    expect(cache.has(1)).toBe(true);
    // 1 is now in main: the small queue (2... then 3, 4) goes first on the next evictions.
    cache.put(5, 5, 2);
    cache.put(6, 6, 2);
    expect(cache.has(1)).toBe(true);
  });

  it('lets an evicted key come back when its frequency is at least the victim', () => {
    const cache = filled();
    expect(cache.put(4, 4, 1).map((e) => e.key)).toEqual([1]);
    expect(cache.put(1, 1, 1).map((e) => e.key)).toEqual([2]);
    expect([1, 2, 3, 4].map((k) => cache.has(k))).toEqual([true, false, true, true]);
  });

  it('refuses a newcomer less popular than its victim (TinyLFU) and returns the newcomer', () => {
    const cache = filled();
    // Putting again counts admissions in the sketch: 1, 2 and 3 now have frequency 2.
    cache.put(1, 1, 1);
    cache.put(2, 2, 2);
    cache.put(3, 3, 2);
    const evicted = cache.put(4, 4, 1);
    expect(evicted.map((e) => [e.key, e.value, e.weight])).toEqual([[4, 4, 1]]);
    expect([1, 2, 3, 4].map((k) => cache.has(k))).toEqual([true, true, true, false]);
  });

  it('forcePut skips the admission test', () => {
    const cache = filled();
    cache.put(1, 1, 1);
    cache.put(2, 2, 2);
    cache.put(3, 3, 2);
    expect(cache.forcePut(4, 4, 1).map((e) => e.key)).toEqual([1]);
    expect([1, 2, 3, 4].map((k) => cache.has(k))).toEqual([false, true, true, true]);
  });

  it('gives a used main entry a second chance and evicts the unused one', () => {
    const cache = filled();
    for (const key of [1, 1, 2, 2, 3, 3]) cache.get(key);
    // All three move to main (uses 2); main's pass decrements each once, then 1 goes.
    expect(cache.put(4, 4, 1).map((e) => e.key)).toEqual([1]);
    expect([1, 2, 3, 4].map((k) => cache.has(k))).toEqual([false, true, true, true]);
    expect(cache.put(1, 1, 1).map((e) => e.key)).toEqual([4]);
    expect([1, 2, 3, 4].map((k) => cache.has(k))).toEqual([true, true, true, false]);
  });

  it('updates an existing key in place, with its new weight, evicting others if needed', () => {
    const cache = filled();
    expect(cache.put(2, 20, 3).map((e) => e.key)).toEqual([1]);
    expect(cache.peek(2)).toBe(20);
    expect(cache.weight).toBe(5);
    expect(cache.put(2, 21, 1)).toEqual([]);
    expect(cache.weight).toBe(3);
  });

  it('removes entries and reuses their room', () => {
    const cache = filled();
    expect(cache.remove(1)).toBe(1);
    expect(cache.remove(3)).toBe(3);
    expect(cache.remove(3)).toBeUndefined();
    expect(cache.get(1)).toBeUndefined();
    expect(cache.weight).toBe(2);
    expect(cache.size).toBe(1);
    cache.put(5, 5, 2);
    cache.put(6, 6, 2);
    cache.put(7, 7, 2);
    expect(cache.weight).toBeLessThanOrEqual(5);
    expect(cache.has(1) || cache.has(3)).toBe(false);
  });

  it('returns an entry heavier than the whole cache at once, evicting nothing', () => {
    const cache = filled();
    expect(cache.put(9, 9, 6)).toEqual([{ key: 9, value: 9, weight: 6 }]);
    expect(cache.size).toBe(3);
  });

  it('counts a use on get but not on peek', () => {
    const peeked = filled();
    peeked.peek(1);
    peeked.peek(1);
    expect(peeked.put(4, 4, 1).map((e) => e.key)).toEqual([1]);
    const read = filled();
    read.get(1);
    read.get(1);
    expect(read.put(4, 4, 1).map((e) => e.key)).toEqual([2]);
  });

  it('grows past its first slot capacity and clears', () => {
    const cache = new TinyUfo<string, number>({ weightLimit: 1000, estimatedSize: 4 });
    for (let i = 0; i < 1000; i++) cache.forcePut(`k${i}`, i);
    expect(cache.size).toBe(1000);
    expect(cache.get('k999')).toBe(999);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.weight).toBe(0);
    expect(cache.get('k999')).toBeUndefined();
    cache.put('again', 1);
    expect(cache.get('again')).toBe(1);
  });

  it('hashes object keys with the hashKey option and refuses them without it', () => {
    interface Peer {
      host: string;
      port: number;
    }
    const a: Peer = { host: '127.0.0.1', port: 80 };
    const cache = new TinyUfo<Peer, string>({
      weightLimit: 4,
      hashKey: (peer) => peer.port * 31 + peer.host.length,
    });
    cache.put(a, 'a');
    expect(cache.get(a)).toBe('a');
    const plain = new TinyUfo<object, string>({ weightLimit: 4 });
    expect(() => plain.put({}, 'x')).toThrow(TypeError);
  });

  it('sends a key recently evicted from the small queue straight to main (ghost hit)', () => {
    // Limit 20: small queue share 3, ghost of 2 keys. Nothing is read, so all stay in small.
    const run = (returning: number): boolean => {
      const cache = new TinyUfo<number, number>({ weightLimit: 20, ghostShare: 0.1 });
      for (let key = 0; key < 20; key++) cache.put(key, key);
      expect(cache.put(20, 20).map((e) => e.key)).toEqual([0]); // 0 becomes a ghost
      cache.put(returning, returning);
      // Twenty newcomers evict the whole small queue, in order (forcePut: no TinyLFU test,
      // which would otherwise keep the returning key, seen twice, against them).
      for (let key = 100; key < 120; key++) cache.forcePut(key, key);
      return cache.has(returning);
    };
    expect(run(0)).toBe(true); // a ghost: it went to main and outlived the small queue
    expect(run(50)).toBe(false); // a new key waited in small like the others
  });

  it('frees the slots of removed entries even when nothing is ever evicted', () => {
    const cache = new TinyUfo<number, number>({ weightLimit: 1000 });
    for (let key = 0; key < 100_000; key++) {
      cache.put(key, key);
      expect(cache.remove(key)).toBe(key);
    }
    cache.put(-1, -1);
    expect(cache.size).toBe(1);
    // White-box: the slot arrays did not grow with the number of removals.
    const slots = (cache as unknown as { states: Uint8Array }).states.length;
    expect(slots).toBeLessThanOrEqual(2048);
  });

  it('evicts from a small queue under its share when main is empty, after promotions', () => {
    // Limit 1 (small share 1): a read entry of weight 0.25 sits in small, below its share.
    const cache = new TinyUfo<number, number>({ weightLimit: 1 });
    cache.put(4, 4, 0.25);
    cache.get(4);
    cache.get(4);
    // Making room promotes 4 to main, then evicts it from there.
    expect(cache.forcePut(0, 0, 1).map((e) => e.key)).toEqual([4]);
    expect(cache.weight).toBe(1);
  });

  it('rejects bad options and weights', () => {
    expect(() => new TinyUfo({ weightLimit: 0 })).toThrow(RangeError);
    expect(() => new TinyUfo({ weightLimit: Number.NaN })).toThrow(RangeError);
    expect(() => new TinyUfo({ weightLimit: 10, estimatedSize: 1.5 })).toThrow(RangeError);
    const cache = new TinyUfo<number, number>({ weightLimit: 10 });
    expect(() => cache.put(1, 1, 0)).toThrow(RangeError);
    expect(() => cache.put(1, 1, Number.NaN)).toThrow(RangeError);
    expect(() => cache.put(1, 1, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
