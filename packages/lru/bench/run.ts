// Lru vs lru-cache and mnemonist's LRUCache: get-hit, set-with-eviction and a 90/10 get/set
// mix at 10k and 1M entries, interleaved in one process, medians of repeated rounds.
// Run: pnpm --filter @pingora-ts/lru bench
import { Lru } from '@pingora-ts/lru';
import { LRUCache } from 'lru-cache';
import { LRUCache as MnemonistLru } from 'mnemonist';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

interface Cache {
  get(key: number): unknown;
  set(key: number, value: number): unknown;
}

/** Our cache through `put` (returns a count, allocates nothing) instead of `set`. */
class PutCache implements Cache {
  private readonly lru: Lru<number, number>;
  constructor(size: number) {
    this.lru = new Lru<number, number>({ maxCount: size });
  }
  get(key: number): unknown {
    return this.lru.get(key);
  }
  set(key: number, value: number): unknown {
    return this.lru.put(key, value);
  }
}

const OPS = 1_000_000;
let seed = 42;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

type Name = 'ours' | 'ours (put)' | 'lru-cache' | 'mnemonist';
function makers(size: number): Record<Name, () => Cache> {
  return {
    ours: () => new Lru<number, number>({ maxCount: size }),
    'ours (put)': () => new PutCache(size),
    'lru-cache': () => new LRUCache<number, number>({ max: size }),
    mnemonist: () => new MnemonistLru<number, number>(size),
  };
}

async function shape(name: string, size: number, run: (cache: Cache, keys: Int32Array) => number) {
  const keys = new Int32Array(OPS);
  const caches = Object.fromEntries(
    Object.entries(makers(size)).map(([k, make]) => {
      const cache = make();
      for (let i = 0; i < size; i++) cache.set(i, i);
      return [k, cache];
    }),
  ) as Record<Name, Cache>;
  const fill = name === 'set-with-eviction';
  let next = size;
  const refill = () => {
    for (let i = 0; i < OPS; i++)
      keys[i] = fill ? next++ : Math.floor(random() * size * (name === 'get-hit' ? 1 : 2));
  };
  refill();
  // A separate copy of the loop per cache keeps each call site monomorphic, as it is in an
  // application that uses one cache class: no candidate pays for the others' shapes.
  const own = () => new Function(`return ${run.toString()}`)() as typeof run;
  const [runOurs, runPut, runLru, runMn] = [own(), own(), own(), own()];
  const result = await compareOps(
    {
      ours: () => runOurs(caches.ours, keys),
      'ours (put)': () => runPut(caches['ours (put)'], keys),
      'lru-cache': () => runLru(caches['lru-cache'], keys),
      mnemonist: () => runMn(caches.mnemonist, keys),
    },
    { rounds: 7, warmup: 2 },
  );
  return [
    row(`${name} ${size / 1000}k`, 'ops/s', result.ours, 'lru-cache', result['lru-cache'], 1),
    row(`${name} ${size / 1000}k`, 'ops/s', result.ours, 'mnemonist', result.mnemonist),
    ...(name === 'get-hit'
      ? []
      : [
          row(
            `${name} ${size / 1000}k, put()`,
            'ops/s',
            result['ours (put)'],
            'lru-cache',
            result['lru-cache'],
            1,
          ),
        ]),
  ];
}

function getHit(cache: Cache, keys: Int32Array): number {
  let found = 0;
  for (let i = 0; i < keys.length; i++) if (cache.get(keys[i]!) !== undefined) found++;
  if (found !== keys.length) throw new Error('get-hit missed');
  return keys.length;
}
function setEvict(cache: Cache, keys: Int32Array): number {
  // Fresh keys every round (above every key the caches were filled with), so each set
  // inserts and evicts the oldest entry.
  const state = cache as { round?: number };
  state.round = (state.round ?? 0) + 1;
  const base = state.round * keys.length + (1 << 30);
  for (let i = 0; i < keys.length; i++) cache.set(base + i, i);
  return keys.length;
}
function mix(cache: Cache, keys: Int32Array): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i % 10 === 9) cache.set(k, i);
    else cache.get(k);
  }
  return keys.length;
}

const rows = [];
for (const size of [10_000, 1_000_000]) {
  rows.push(...(await shape('get-hit', size, getHit)));
  rows.push(...(await shape('set-with-eviction', size, setEvict)));
  rows.push(...(await shape('90/10 get/set', size, mix)));
}
report('lru', 'ops', rows);
