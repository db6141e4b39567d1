import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bucket, Continuum, crc32 } from '../src/index.js';
import { forgeKey } from './crc-forge.js';
import { linearLookup, linearPoints } from './linear-ring.js';

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('Continuum: published vectors', () => {
  // The expectations below are the ones pingora-ketama's own tests and docs assert, which its
  // authors checked against nginx.
  it('matches the pingora-ketama example (weights 1, 2, 3)', () => {
    const ring = new Continuum([
      { addr: '127.0.0.1:12345', weight: 1 },
      { addr: '127.0.0.2:12345', weight: 2 },
      { addr: '127.0.0.3:12345', weight: 3 },
    ]);
    expect(ring.nodeAddr('some_key')).toBe('127.0.0.3:12345');
    expect(ring.nodeAddr('another_key')).toBe('127.0.0.3:12345');
    expect(ring.nodeAddr('last_key')).toBe('127.0.0.2:12345');
  });

  it('matches the nginx sample pingora-ketama checks', () => {
    const ring = new Continuum([{ addr: '127.0.0.1:7777' }, { addr: '127.0.0.1:7778' }]);
    expect(ring.nodeAddr('/some/path')).toBe('127.0.0.1:7778');
    expect(ring.nodeAddr('/some/longer/path')).toBe('127.0.0.1:7777');
    expect(ring.nodeAddr('/sad/zaidoon')).toBe('127.0.0.1:7778');
    expect(ring.nodeAddr('/g')).toBe('127.0.0.1:7777');
    expect(ring.nodeAddr('/pingora/team/is/cool/and/this/is/a/long/uri')).toBe('127.0.0.1:7778');
    expect(ring.nodeAddr('/i/am/not/confident/in/this/code')).toBe('127.0.0.1:7777');
  });

  it('walks points as pingora-ketama node_iter does, and distinct servers in nodeIter', () => {
    const ring = new Continuum([
      { addr: '127.0.0.1:7777' },
      { addr: '127.0.0.1:7778' },
      { addr: '127.0.0.1:7779' },
    ]);
    let p = ring.pointIndex('doghash');
    const walk: string[] = [];
    for (let i = 0; i < 8; i++) {
      walk.push(ring.addr(ring.pointNode(p)));
      p = (p + 1) % ring.pointCount;
    }
    expect(walk.map((a) => a.slice(-2))).toEqual(['78', '79', '79', '77', '77', '78', '78', '79']);
    expect([...ring.nodeIter('doghash')].map((i) => ring.addr(i))).toEqual([
      '127.0.0.1:7778',
      '127.0.0.1:7779',
      '127.0.0.1:7777',
    ]);
  });
});

describe('Continuum: shape of the ring', () => {
  it('puts 160 points per weight unit, sorted', () => {
    const ring = new Continuum([
      { addr: 'a:1', weight: 2 },
      { addr: 'b:2', weight: 5 },
    ]);
    expect(ring.size).toBe(2);
    expect(ring.pointCount).toBe(7 * 160);
    for (let p = 1; p < ring.pointCount; p++) {
      expect(ring.pointHash(p)).toBeGreaterThan(ring.pointHash(p - 1));
    }
  });

  it('wraps around: a key above the last point goes to the first point', () => {
    const ring = new Continuum([{ addr: '10.0.0.1:80' }, { addr: '10.0.0.2:80', weight: 3 }]);
    const last = ring.pointHash(ring.pointCount - 1);
    const key = forgeKey('wrap', (last + 1) >>> 0);
    expect(crc32(key)).toBe(last + 1);
    expect(ring.pointIndex(key)).toBe(0);
    expect(ring.node(key)).toBe(ring.pointNode(0));
    const onLast = forgeKey('last', last);
    expect(ring.pointIndex(onLast)).toBe(ring.pointCount - 1);
  });

  it('lands exactly on a point whose hash equals the key hash, and on the next one above it', () => {
    const ring = new Continuum([{ addr: '10.0.0.1:80' }, { addr: '10.0.0.2:80', weight: 2 }]);
    for (const p of [0, 1, 17, 200, ring.pointCount - 2]) {
      const hash = ring.pointHash(p);
      expect(ring.pointIndex(forgeKey('on', hash))).toBe(p);
      expect(ring.pointIndex(forgeKey('above', (hash + 1) >>> 0))).toBe(p + 1);
    }
    expect(ring.pointIndex(forgeKey('zero', 0))).toBe(0);
  });

  it('gives a tied point to the server listed first, as nginx does after its stable qsort', () => {
    // Two names of equal length whose first points collide; CRC-32 being affine, every later
    // point of the two chains collides too, so the server listed second gets no point at all.
    const a = 'n67cb7210a2ff0461';
    const b = 'nb0140b986715f9c9';
    expect(zlibCrc32(Buffer.from(`${a}\0\0\0\0\0`))).toBe(zlibCrc32(Buffer.from(`${b}\0\0\0\0\0`)));
    const ab = new Continuum([{ addr: a }, { addr: b }, { addr: 'c:3' }]);
    const ba = new Continuum([{ addr: b }, { addr: a }, { addr: 'c:3' }]);
    expect(ab.pointCount).toBe(2 * 160);
    const keys = Array.from({ length: 500 }, (_, i) => `key-${i}`);
    expect(keys.some((k) => ab.nodeAddr(k) === a)).toBe(true);
    for (const key of keys) {
      expect(ab.nodeAddr(key)).not.toBe(b);
      expect(ba.nodeAddr(key)).not.toBe(a);
      expect(ab.nodeAddr(key) === a).toBe(ba.nodeAddr(key) === b);
    }
    expect([...ab.nodeIter('x')].map((i) => ab.addr(i)).sort()).toEqual(['c:3', a]);
  });

  it('hashes names as written: localhost:80 is not 127.0.0.1:80', () => {
    const one = new Continuum([{ addr: '127.0.0.1:80' }]);
    const other = new Continuum([{ addr: 'localhost:80' }]);
    expect(one.pointHash(0)).not.toBe(other.pointHash(0));
  });

  it('answers nothing on an empty ring', () => {
    const ring = new Continuum([]);
    expect(ring.size).toBe(0);
    expect(ring.pointCount).toBe(0);
    expect(ring.node('k')).toBe(-1);
    expect(ring.nodeAddr('k')).toBeUndefined();
    expect(ring.pointIndex('k')).toBe(-1);
    expect([...ring.nodeIter('k')]).toEqual([]);
  });

  it('sends every key to the only server of a one-server ring', () => {
    const ring = new Continuum([{ addr: 'only:1', weight: 3 }]);
    expect(ring.nodeAddr('a')).toBe('only:1');
    expect(ring.nodeAddr(new Uint8Array([1, 2, 3]))).toBe('only:1');
    expect([...ring.nodeIter('a')]).toEqual([0]);
  });

  it('rejects misuse with TypeError and RangeError', () => {
    const bad = (buckets: unknown) => () => new Continuum(buckets as Bucket[]);
    expect(bad('a:1')).toThrow(TypeError);
    expect(bad([{ addr: '' }])).toThrow(TypeError);
    expect(bad([{ addr: 7 }])).toThrow(TypeError);
    expect(bad([null])).toThrow(TypeError);
    expect(bad([{ addr: 'a:1', weight: 0 }])).toThrow(RangeError);
    expect(bad([{ addr: 'a:1', weight: 1.5 }])).toThrow(RangeError);
    expect(bad([{ addr: 'a:1', weight: '2' }])).toThrow(RangeError);
    expect(bad([{ addr: 'a:1' }, { addr: 'a:1' }])).toThrow(/listed twice/);
    expect(bad([{ addr: 'a:1', weight: 100_001 }])).toThrow(/total weight/);
    const ring = new Continuum([{ addr: 'a:1' }]);
    expect(() => ring.addr(1)).toThrow(RangeError);
    expect(() => ring.pointHash(160)).toThrow(RangeError);
    expect(() => ring.pointNode(-1)).toThrow(RangeError);
  });
});

// Servers as nginx would list them: distinct names, weights 1..4.
const serversArb = fc.uniqueArray(
  fc.record({
    addr: fc.oneof(
      fc
        .tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 65535 }))
        .map(([a, b, port]) => `10.${a}.${b}.1:${port}`),
      fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}(:[0-9]{1,5})?$/),
      fc.string({ minLength: 1, maxLength: 12 }),
    ),
    weight: fc.integer({ min: 1, max: 4 }),
  }),
  { minLength: 1, maxLength: 10, selector: (s) => s.addr },
);
const keyArb = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }));

describe('Continuum: against the linear model', () => {
  it('chooses the same server as a linear scan of the sorted points', () => {
    fc.assert(
      fc.property(
        serversArb,
        fc.array(keyArb, { minLength: 1, maxLength: 50 }),
        (servers, keys) => {
          const ring = new Continuum(servers);
          const points = linearPoints(servers);
          expect(ring.pointCount).toBe(points.length);
          for (let p = 0; p < points.length; p += 7) {
            expect(ring.pointHash(p)).toBe(points[p]!.hash);
            expect(ring.pointNode(p)).toBe(points[p]!.server);
          }
          for (const key of keys) expect(ring.node(key)).toBe(linearLookup(points, key));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hashes a string key and its UTF-8 bytes alike', () => {
    fc.assert(
      fc.property(serversArb, fc.string({ unit: 'binary', maxLength: 30 }), (servers, key) => {
        const ring = new Continuum(servers);
        expect(ring.node(key)).toBe(ring.node(Buffer.from(key, 'utf8')));
      }),
      { numRuns: 60 },
    );
  });

  it('walks distinct servers in ring order after the chosen one', () => {
    fc.assert(
      fc.property(serversArb, keyArb, (servers, key) => {
        const ring = new Continuum(servers);
        const points = linearPoints(servers);
        const hash = zlibCrc32(typeof key === 'string' ? Buffer.from(key) : key);
        let start = points.findIndex((p) => p.hash >= hash);
        if (start < 0) start = 0;
        const expected: number[] = [];
        for (let i = 0; i < points.length; i++) {
          const server = points[(start + i) % points.length]!.server;
          if (!expected.includes(server)) expected.push(server);
        }
        const walk = [...ring.nodeIter(key)];
        expect(walk).toEqual(expected);
        expect(walk[0]).toBe(ring.node(key));
      }),
      { numRuns: 60 },
    );
  });
});

describe('Continuum: consistency', () => {
  it('moves only the keys of a removed server', () => {
    fc.assert(
      fc.property(
        serversArb.filter((s) => s.length >= 2),
        fc.nat(),
        fc.array(keyArb, { minLength: 1, maxLength: 100 }),
        (servers, pick, keys) => {
          const removed = pick % servers.length;
          const before = new Continuum(servers);
          const after = new Continuum(servers.filter((_, i) => i !== removed));
          const removedAddr = servers[removed]!.addr;
          for (const key of keys) {
            const was = before.nodeAddr(key);
            if (was !== removedAddr) expect(after.nodeAddr(key)).toBe(was);
            else expect(after.nodeAddr(key)).not.toBe(removedAddr);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('moves keys only to an added server', () => {
    fc.assert(
      fc.property(
        serversArb,
        fc.array(keyArb, { minLength: 1, maxLength: 100 }),
        (servers, keys) => {
          const added = { addr: 'added.example:8080', weight: 2 };
          fc.pre(!servers.some((s) => s.addr === added.addr));
          const before = new Continuum(servers);
          const after = new Continuum([...servers, added]);
          for (const key of keys) {
            const now = after.nodeAddr(key);
            if (now !== added.addr) expect(now).toBe(before.nodeAddr(key));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is stable: repeated lookups and rebuilt rings answer the same', () => {
    fc.assert(
      fc.property(
        serversArb,
        fc.array(keyArb, { minLength: 1, maxLength: 30 }),
        (servers, keys) => {
          const one = new Continuum(servers);
          const two = new Continuum(servers.map((s) => ({ ...s })));
          for (const key of keys) {
            const first = one.node(key);
            expect(one.node(key)).toBe(first);
            expect(two.node(key)).toBe(first);
            expect(one.node(typeof key === 'string' ? key : latin1(key)) >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('spreads keys in proportion to weight', () => {
    const ring = new Continuum([
      { addr: '10.0.0.1:80', weight: 1 },
      { addr: '10.0.0.2:80', weight: 3 },
    ]);
    const counts = [0, 0];
    for (let i = 0; i < 20_000; i++) counts[ring.node(`k${i}`)]!++;
    const share = counts[1]! / 20_000;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
  });
});
