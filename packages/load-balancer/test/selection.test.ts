import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHMS,
  type AlgorithmName,
  Backend,
  CONSISTENT_HASH_REPLICAS,
  ConsistentHash,
  createSelection,
  FnvHash,
  fnv1a32,
  InFlight,
  LeastInFlight,
  PowerOfTwoChoices,
  RandomSelection,
  RoundRobin,
  SmoothWeightedRoundRobin,
  WeightedRandom,
} from '../src/index.js';
import { chiSquare, seededRandom } from './seeded-random.js';

const NAMES = Object.keys(ALGORITHMS) as AlgorithmName[];

function pool(weights: readonly number[]): Backend[] {
  return weights.map((w, i) => new Backend(`10.0.0.${i + 1}`, 80, w));
}

function names(list: readonly (Backend | undefined)[], backends: readonly Backend[]): string {
  return list.map((b) => 'abcdefghijklmnopqrstuvwxyz'[backends.indexOf(b!)]).join(' ');
}

describe('smooth weighted round robin (nginx)', () => {
  it('gives the exact nginx sequences', () => {
    const cases: Array<[number[], string]> = [
      [[5, 1, 1], 'a a b a c a a'],
      [[1, 1, 1], 'a b c'],
      [[4, 2, 1], 'a b a c a b a'],
      [[2, 1], 'a b a'],
      [[3, 2], 'a b a b a'],
    ];
    for (const [weights, expected] of cases) {
      const backends = pool(weights);
      const swrr = new SmoothWeightedRoundRobin(backends);
      const period = expected.split(' ').length;
      const picks = Array.from({ length: period * 3 }, () => swrr.select('', 1));
      // The sequence repeats with a period of the total weight.
      expect(names(picks, backends)).toBe(`${expected} ${expected} ${expected}`);
    }
  });

  it('picks each backend exactly weight times per total-weight picks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
        (weights) => {
          const backends = pool(weights);
          const swrr = new SmoothWeightedRoundRobin(backends);
          const total = weights.reduce((a, b) => a + b, 0);
          const counts = new Map<Backend, number>();
          for (let i = 0; i < total; i++) {
            const b = swrr.select('', 1)!;
            counts.set(b, (counts.get(b) ?? 0) + 1);
          }
          expect(backends.map((b) => counts.get(b) ?? 0)).toEqual(weights);
        },
      ),
    );
  });

  it('treats rejected backends as absent: the same sequence as a pool without them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.boolean()), {
          minLength: 2,
          maxLength: 7,
        }),
        (spec) => {
          const backends = pool(spec.map(([w]) => w));
          const down = new Set(backends.filter((_, i) => spec[i]![1]));
          const up = backends.filter((b) => !down.has(b));
          const full = new SmoothWeightedRoundRobin(backends);
          const reduced = new SmoothWeightedRoundRobin(up);
          for (let i = 0; i < 40; i++) {
            const got = full.select('', backends.length, (b) => !down.has(b));
            expect(got).toBe(reduced.select('', up.length));
          }
        },
      ),
    );
  });
});

describe('every algorithm: select(key, maxIterations, accept)', () => {
  it('offers distinct backends, at most maxIterations, and returns the first accepted', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.boolean()), {
          minLength: 0,
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 16 }),
        fc.string(),
        fc.integer(),
        (name, spec, maxIterations, key, seed) => {
          const backends = pool(spec.map(([w]) => w));
          const inFlight = new InFlight();
          const selection = createSelection(name, backends, {
            random: seededRandom(seed),
            inFlight,
          });
          const accepted = new Set(backends.filter((_, i) => spec[i]![1]));
          for (let round = 0; round < 3; round++) {
            const offered: Backend[] = [];
            const got = selection.select(key, maxIterations, (b) => {
              offered.push(b);
              return accepted.has(b);
            });
            expect(new Set(offered).size).toBe(offered.length);
            for (const b of offered) expect(backends).toContain(b);
            // Smooth weighted round robin asks about every backend in its one scan (as nginx
            // checks every peer); the others walk and stop at the first accepted.
            const isScan = name === 'smooth-weighted-round-robin';
            const budget = isScan
              ? maxIterations >= 1
                ? backends.length
                : 0
              : Math.min(maxIterations, backends.length);
            if (isScan) expect(offered.length).toBe(budget);
            else expect(offered.length).toBeLessThanOrEqual(budget);
            if (got === undefined) {
              expect(offered.every((b) => !accepted.has(b))).toBe(true);
              expect(offered.length).toBe(budget);
            } else {
              if (!isScan) expect(got).toBe(offered.at(-1));
              expect(offered).toContain(got);
              expect(accepted.has(got)).toBe(true);
            }
            // With no accept, the first candidate is returned when there is one.
            const plain = selection.select(key, maxIterations);
            expect(plain === undefined).toBe(maxIterations < 1 || backends.length === 0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('walks all backends when every one is rejected and maxIterations is large', () => {
    for (const name of NAMES) {
      const backends = pool([1, 2, 3, 4, 5]);
      const selection = createSelection(name, backends, {
        random: seededRandom(7),
        inFlight: new InFlight(),
      });
      const offered: Backend[] = [];
      const rejectAll = (b: Backend) => {
        offered.push(b);
        return false;
      };
      expect(selection.select('k', 100, rejectAll)).toBeUndefined();
      expect(new Set(offered)).toEqual(new Set(backends));
    }
  });

  it('rejects unknown algorithm names', () => {
    expect(() =>
      createSelection('nope' as AlgorithmName, [], {
        random: Math.random,
        inFlight: new InFlight(),
      }),
    ).toThrow(RangeError);
  });
});

describe('round robin', () => {
  it('takes turns and walks on from the turn it got', () => {
    const backends = pool([1, 1, 1]);
    const rr = new RoundRobin(backends);
    expect(
      names(
        [1, 2, 3, 4].map(() => rr.select('', 1)),
        backends,
      ),
    ).toBe('a b c a');
    const notB = (b: Backend) => b !== backends[1];
    // Turn of b: walks on to c. Next turn is c, then a.
    expect(
      names(
        [1, 2, 3].map(() => rr.select('', 3, notB)),
        backends,
      ),
    ).toBe('c c a');
  });
});

describe('consistent hashing (ketama)', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `/object/${i}?v=${(i * 7919) % 1000}`);

  /** Share of `keys` that move when each backend in turn leaves a ring of n. */
  function movedShares(n: number, replicas: number): number[] {
    const backends = Array.from({ length: n }, (_, i) => new Backend(`10.1.0.${i + 1}`, 8080));
    const before = new ConsistentHash(backends, { replicas });
    const owners = keys.map((key) => before.select(key, 1)!);
    return backends.map((removed) => {
      const after = new ConsistentHash(
        backends.filter((b) => b !== removed),
        { replicas },
      );
      let moved = 0;
      for (const [i, key] of keys.entries()) {
        if (after.select(key, 1)!.addr !== owners[i]!.addr) {
          moved++;
          expect(owners[i]).toBe(removed); // only the removed backend's keys move
        }
      }
      return moved / keys.length;
    });
  }

  it('moves at most 1/N + 2% of keys when one of N leaves (replicas 4, every N in 3..30, every backend)', () => {
    for (let n = 3; n <= 30; n++) {
      for (const share of movedShares(n, 4)) expect(share).toBeLessThanOrEqual(1 / n + 0.02);
    }
  });

  it('with nginx-compatible points (replicas 1) moves 1/N + 2% at most but for ~0.01 points of one outlier', () => {
    // Measured: over N in 3..30 and every removed backend (462 cases) the worst is 1/5 + 2.01%
    // (10.1.0.x with N = 5); nginx's 160 points per weight leave that much spread.
    let over = 0;
    for (let n = 3; n <= 30; n++) {
      for (const share of movedShares(n, 1)) {
        expect(share).toBeLessThanOrEqual(1 / n + 0.021);
        if (share > 1 / n + 0.02) over++;
      }
    }
    expect(over).toBeLessThanOrEqual(1);
  });

  it("the 'consistent-hash' algorithm is the 4-replica ring; 'consistent-hash-nginx' is nginx's", () => {
    const backends = Array.from({ length: 5 }, (_, i) => new Backend(`10.1.0.${i + 1}`, 8080));
    const context = { inFlight: new InFlight(), random: Math.random };
    const byName = createSelection('consistent-hash', backends, context);
    const nginxByName = createSelection('consistent-hash-nginx', backends, context);
    const four = new ConsistentHash(backends, { replicas: CONSISTENT_HASH_REPLICAS });
    const nginx = new ConsistentHash(backends);
    let differs = 0;
    for (const key of keys.slice(0, 2_000)) {
      expect(byName.select(key, 1)).toBe(four.select(key, 1));
      expect(nginxByName.select(key, 1)).toBe(nginx.select(key, 1));
      if (four.select(key, 1) !== nginx.select(key, 1)) differs++;
    }
    expect(CONSISTENT_HASH_REPLICAS).toBe(4);
    expect(differs).toBeGreaterThan(0);
  });

  it('a walk that skips a backend chooses as the ring without it does', () => {
    const backends = Array.from(
      { length: 8 },
      (_, i) => new Backend(`10.2.0.${i + 1}`, 80, (i % 3) + 1),
    );
    const full = new ConsistentHash(backends);
    for (const skip of backends) {
      const reduced = new ConsistentHash(backends.filter((b) => b !== skip));
      for (const key of keys.slice(0, 2_000)) {
        expect(full.select(key, 8, (b) => b !== skip)!.addr).toBe(reduced.select(key, 1)!.addr);
      }
    }
  });

  it('keys by host:port as @pingora-ts/ketama (the pingora-ketama published example)', () => {
    const ring = new ConsistentHash([
      new Backend('127.0.0.1', 12345, 1),
      new Backend('127.0.0.2', 12345, 2),
      new Backend('127.0.0.3', 12345, 3),
    ]);
    expect(ring.select('some_key', 1)!.addr).toBe('127.0.0.3:12345');
    expect(ring.select('last_key', 1)!.addr).toBe('127.0.0.2:12345');
    expect(ring.select(new TextEncoder().encode('last_key'), 1)!.addr).toBe('127.0.0.2:12345');
  });

  it('spreads keys by weight within statistical bounds', () => {
    const backends = pool([1, 2, 3]);
    const ring = new ConsistentHash(backends);
    const counts = [0, 0, 0];
    for (const key of keys) counts[backends.indexOf(ring.select(key, 1)!)]!++;
    // Ketama's points are not uniform samples, so the bound is on shares, not chi-square:
    // each backend's share is within 3 points of weight/total (160 points per weight unit).
    for (const [i, w] of [1, 2, 3].entries()) {
      expect(Math.abs(counts[i]! / keys.length - w / 6)).toBeLessThan(0.03);
    }
  });
});

describe('FNV hash mod N', () => {
  it('chooses backends[fnv1a32(key) % N] and walks on in list order', () => {
    const backends = pool([1, 1, 1, 1, 1]);
    const fnv = new FnvHash(backends);
    fc.assert(
      fc.property(fc.string(), (key) => {
        const i = fnv1a32(key) % 5;
        expect(fnv.select(key, 1)).toBe(backends[i]);
        const skipFirst = fnv.select(key, 5, (b) => b !== backends[i]);
        expect(skipFirst).toBe(backends[(i + 1) % 5]);
      }),
    );
  });

  it('gives each backend weight/total of the hash space', () => {
    const backends = pool([1, 3]);
    const fnv = new FnvHash(backends);
    const counts = [0, 0];
    for (let i = 0; i < 40_000; i++) counts[backends.indexOf(fnv.select(`user-${i}`, 1)!)]!++;
    expect(chiSquare(counts, [1, 3])).toBeLessThan(10.8); // df 1, p = 0.001
  });
});

describe('random and weighted random', () => {
  it('random is uniform (chi-square, df 2, p = 0.001)', () => {
    const backends = pool([1, 5, 9]); // weights ignored
    const random = new RandomSelection(backends, { random: seededRandom(1) });
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[backends.indexOf(random.select('', 1)!)]!++;
    expect(chiSquare(counts, [1, 1, 1])).toBeLessThan(13.8);
  });

  it('weighted random follows the weights, also over 100 backends', () => {
    const backends = pool([1, 2, 3]);
    const wr = new WeightedRandom(backends, { random: seededRandom(2) });
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[backends.indexOf(wr.select('', 1)!)]!++;
    expect(chiSquare(counts, [1, 2, 3])).toBeLessThan(13.8);

    const many = pool(Array.from({ length: 100 }, (_, i) => (i % 4) + 1));
    const wr100 = new WeightedRandom(many, { random: seededRandom(3) });
    const c100 = new Array<number>(100).fill(0);
    for (let i = 0; i < 200_000; i++) c100[many.indexOf(wr100.select('', 1)!)]!++;
    // df 99: the 99.9th percentile of chi-square is 148.2.
    expect(
      chiSquare(
        c100,
        many.map((b) => b.weight),
      ),
    ).toBeLessThan(148.2);
  });

  it('a retry draws the rest in proportion to their weights', () => {
    const backends = pool([1, 2, 3]);
    const wr = new WeightedRandom(backends, { random: seededRandom(4) });
    const counts = [0, 0, 0];
    // With c always rejected, a and b come in proportion 1:2.
    for (let i = 0; i < 30_000; i++)
      counts[backends.indexOf(wr.select('', 3, (b) => b !== backends[2])!)]!++;
    expect(counts[2]).toBe(0);
    expect(chiSquare(counts.slice(0, 2), [1, 2])).toBeLessThan(10.8);
  });
});

describe('least in-flight and power of two choices', () => {
  it('least in-flight takes the fewest per weight, rotating ties', () => {
    const backends = pool([1, 1, 2]);
    const inFlight = new InFlight();
    const least = new LeastInFlight(backends, { inFlight });
    // All idle: ties rotate.
    expect(
      names(
        [1, 2, 3].map(() => least.select('', 1)),
        backends,
      ),
    ).toBe('a b c');
    for (const [i, n] of [3, 1, 3].entries())
      for (let k = 0; k < n; k++) inFlight.begin(backends[i]!);
    // b: 1/1, c: 3/2 = 1.5, a: 3/1.
    expect(least.select('', 1)).toBe(backends[1]);
    const order: Backend[] = [];
    least.select('', 3, (b) => {
      order.push(b);
      return false;
    });
    expect(names(order, backends)).toBe('b c a');
    inFlight.end(backends[2]!);
    inFlight.end(backends[2]!); // c: 1/2
    expect(least.select('', 1)).toBe(backends[2]);
    expect(inFlight.count(backends[0]!)).toBe(3);
  });

  it('least in-flight keeps loads level as requests come and go', () => {
    const backends = pool([1, 1, 1, 1]);
    const inFlight = new InFlight();
    const least = new LeastInFlight(backends, { inFlight });
    const random = seededRandom(5);
    const open: Backend[] = [];
    for (let i = 0; i < 2_000; i++) {
      const b = least.select('', 1)!;
      inFlight.begin(b);
      open.push(b);
      if (random() < 0.4) inFlight.end(open.splice(Math.floor(random() * open.length), 1)[0]!);
      const counts = backends.map((x) => inFlight.count(x));
      // Every new request went to a least-loaded backend, so the spread stays small.
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(
        open.length > 0 ? 4 : 0,
      );
    }
  });

  it('power of two choices never picks the most loaded of three (it always loses its pair)', () => {
    const backends = pool([1, 1, 1]);
    const inFlight = new InFlight();
    for (let k = 0; k < 10; k++) inFlight.begin(backends[0]!);
    const p2c = new PowerOfTwoChoices(backends, { random: seededRandom(6), inFlight });
    const counts = [0, 0, 0];
    for (let i = 0; i < 9_000; i++) counts[backends.indexOf(p2c.select('', 1)!)]!++;
    expect(counts[0]).toBe(0);
    expect(chiSquare(counts.slice(1), [1, 1])).toBeLessThan(10.8);
    // When the others are rejected, the loaded one is still offered.
    expect(p2c.select('', 3, (b) => b === backends[0])).toBe(backends[0]);
  });

  it('power of two choices is uniform over idle backends', () => {
    const backends = pool([1, 1, 1, 1]);
    const p2c = new PowerOfTwoChoices(backends, {
      random: seededRandom(8),
      inFlight: new InFlight(),
    });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[backends.indexOf(p2c.select('', 1)!)]!++;
    expect(chiSquare(counts, [1, 1, 1, 1])).toBeLessThan(16.3);
  });

  it('in-flight counters never go below zero and idle ones are pruned', () => {
    const inFlight = new InFlight();
    const b = Backend.parse('h:1');
    inFlight.end(b);
    expect(inFlight.count(b)).toBe(0);
    inFlight.begin(b);
    const slot = inFlight.slot('h:1');
    inFlight.prune(new Set());
    expect(inFlight.slot('h:1')).toBe(slot); // busy: kept
    inFlight.end(b);
    inFlight.prune(new Set());
    expect(inFlight.slot('h:1')).not.toBe(slot);
  });
});
