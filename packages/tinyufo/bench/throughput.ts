// TinyUfo vs lru-cache throughput: get-hit, put-with-eviction and the hit-ratio workload
// (Zipf 1.0 get-then-put-on-miss), interleaved in one process, medians of repeated rounds.
// Run alone: node bench/throughput.ts
import { pathToFileURL } from 'node:url';
import { TinyUfo } from '@pingora-ts/tinyufo';
import { LRUCache } from 'lru-cache';
import { type BenchRow, compareOps, report, row } from '../../../scripts/bench-kit.mjs';
import { seededRandom, zipfTrace } from './zipf.ts';

const OPS = 1_000_000;
const GOAL = 0.8;

interface Cache {
  get(key: number): unknown;
  put(key: number, value: number): unknown;
}

class OursAdapter implements Cache {
  private readonly cache: TinyUfo<number, number>;
  constructor(size: number) {
    this.cache = new TinyUfo<number, number>({ weightLimit: size });
  }
  get(key: number): unknown {
    return this.cache.get(key);
  }
  put(key: number, value: number): unknown {
    return this.cache.put(key, value);
  }
}

class LruCacheAdapter implements Cache {
  private readonly cache: LRUCache<number, number>;
  constructor(size: number) {
    this.cache = new LRUCache<number, number>({ max: size });
  }
  get(key: number): unknown {
    return this.cache.get(key);
  }
  put(key: number, value: number): unknown {
    return this.cache.set(key, value);
  }
}

type Loop = (cache: Cache, keys: Int32Array) => number;

const getHit: Loop = (cache, keys) => {
  let found = 0;
  for (let i = 0; i < keys.length; i++) if (cache.get(keys[i]!) !== undefined) found++;
  return keys.length + found * 0;
};
const putEvicting: Loop = (cache, keys) => {
  for (let i = 0; i < keys.length; i++) cache.put(keys[i]!, i);
  return keys.length;
};
const getThenPut: Loop = (cache, keys) => {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (cache.get(key) === undefined) cache.put(key, i);
  }
  return keys.length;
};

async function shape(
  name: string,
  size: number,
  loop: Loop,
  keysFor: (round: number) => Int32Array,
): Promise<BenchRow> {
  const ours = new OursAdapter(size);
  const anchor = new LruCacheAdapter(size);
  for (let i = 0; i < size; i++) {
    ours.put(i, i);
    anchor.put(i, i);
  }
  // A separate copy of the loop per cache keeps each call site monomorphic, as in an
  // application that uses one cache class.
  const own = () => new Function(`return ${loop.toString()}`)() as Loop;
  const runOurs = own();
  const runAnchor = own();
  let oursRound = 0;
  let anchorRound = 0;
  const result = await compareOps(
    {
      ours: () => runOurs(ours, keysFor(oursRound++)),
      'lru-cache': () => runAnchor(anchor, keysFor(anchorRound++)),
    },
    { rounds: 9, warmup: 2 },
  );
  return row(name, 'ops/s', result.ours, 'lru-cache', result['lru-cache'], GOAL);
}

/** Runs the three shapes and writes bench-results/tinyufo/throughput.json. */
export async function runThroughput(): Promise<BenchRow[]> {
  const size = 10_000;
  const random = seededRandom(7);
  const hitKeys = new Int32Array(OPS);
  for (let i = 0; i < OPS; i++) hitKeys[i] = Math.floor(random() * size);
  // Fresh keys every round so that each put misses and evicts, in both caches alike; made
  // before timing (9 rounds + 2 warmups).
  const fresh = Array.from({ length: 11 }, (_, round) => {
    const keys = new Int32Array(OPS);
    for (let i = 0; i < OPS; i++) keys[i] = size + round * OPS + i;
    return keys;
  });
  const freshKeys = (round: number) => fresh[round]!;
  const zipf = zipfTrace(size * 10, 1.0, OPS, 11);
  const rows = [
    await shape('get-hit 10k', size, getHit, () => hitKeys),
    await shape('put-with-eviction 10k', size, putEvicting, freshKeys),
    await shape('zipf 1.0 get, put on miss 10k/100k keys', size, getThenPut, () => zipf),
  ];
  report('tinyufo', 'throughput', rows);
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runThroughput();
}
