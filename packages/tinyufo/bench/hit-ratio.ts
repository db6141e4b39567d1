// Hit-ratio harness: reproduces TinyUFO's published table (Pingora's
// tinyufo/benches/bench_hit_ratio.rs): 10,000 keys, 5,000,000 Zipf requests per exponent,
// cache sizes of 0.5% to 25% of the keys, get-then-put-on-miss, one trace shared by every
// cache in a cell. Compares our TinyUfo with the published Rust figures and with lru-cache.
//
// lru-cache stands for our @pingora-ts/lru as well: both are exact LRU, and lru's own test
// proves it gives lru-cache's hit/miss sequence exactly. (tinyufo, level 0, may not import lru,
// also level 0.) The published `lru` column is there to compare the margin over LRU.
//
// Run alone: node bench/hit-ratio.ts [--quick]   (--quick: 500,000 requests per exponent)
import { pathToFileURL } from 'node:url';
import { TinyUfo } from '@pingora-ts/tinyufo';
import { LRUCache } from 'lru-cache';
import { type BenchRow, report, row } from '../../../scripts/bench-kit.mjs';
import { EXPONENTS, PUBLISHED_LRU, PUBLISHED_TINYUFO, SIZES } from './published.ts';
import { zipfTrace } from './zipf.ts';

const KEYS = 10_000;
const FULL_REQUESTS = 5_000_000;
const QUICK_REQUESTS = 500_000;
/** The goal: at least the published figure minus this many percentage points. */
const TOLERANCE_PP = 0.5;
const SEED = 0x5eed;

function tinyUfoHits(trace: Int32Array, size: number): number {
  const cache = new TinyUfo<number, boolean>({ weightLimit: size, estimatedSize: size });
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = trace[i]!;
    if (cache.get(key) !== undefined) hits++;
    else cache.put(key, true);
  }
  return hits;
}

function lruCacheHits(trace: Int32Array, size: number): number {
  const cache = new LRUCache<number, boolean>({ max: size });
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = trace[i]!;
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, true);
  }
  return hits;
}

/** One cell of the table, in percent. */
export interface HitRatioCell {
  exponent: number;
  size: number;
  ours: number;
  lruCache: number;
  published: number;
  publishedLru: number;
}

const pct = (value: number): string => `${value.toFixed(2)}%`;
const pp = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;

function printTable(cells: HitRatioCell[], requests: number): void {
  const header = [
    'zipf',
    'size',
    'ours',
    'published',
    'diff pp',
    'lru-cache*',
    'pub. lru',
    'ours-lru',
    'pub. margin',
    'goal met',
  ];
  const lines = cells.map((c) => {
    const margin = c.ours - c.lruCache;
    const publishedMargin = c.published - c.publishedLru;
    const met = c.ours >= c.published - TOLERANCE_PP && margin >= publishedMargin - TOLERANCE_PP;
    const verdict = requests < FULL_REQUESTS ? 'n/a' : met ? 'yes' : 'NO';
    return [
      c.exponent.toFixed(2),
      `${(c.size * 100).toString()}%`,
      pct(c.ours),
      pct(c.published),
      pp(c.ours - c.published),
      pct(c.lruCache),
      pct(c.publishedLru),
      pp(margin),
      pp(publishedMargin),
      verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (l: string[]) => l.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(
    `\ntinyufo hit ratio: ${KEYS} keys, ${requests.toLocaleString('en')} Zipf requests per exponent, get-then-put-on-miss`,
  );
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  console.log(
    `* lru-cache stands for @pingora-ts/lru too (both exact LRU: identical hit/miss sequences).\n` +
      `goal: ours >= published - ${TOLERANCE_PP}pp and (ours - lru) >= published margin - ${TOLERANCE_PP}pp` +
      (requests < FULL_REQUESTS
        ? '\n--quick: fewer requests weigh the cold start more, so the figures run below the published ones and are not checked'
        : ''),
  );
}

/** Runs the whole table; `quick` uses 500k requests per exponent instead of 5M. */
export function runHitRatio(quick: boolean): HitRatioCell[] {
  const requests = quick ? QUICK_REQUESTS : FULL_REQUESTS;
  const cells: HitRatioCell[] = [];
  for (const exponent of EXPONENTS) {
    const trace = zipfTrace(KEYS, exponent, requests, SEED);
    SIZES.forEach((share, column) => {
      const size = Math.round(share * KEYS);
      cells.push({
        exponent,
        size: share,
        ours: (tinyUfoHits(trace, size) / requests) * 100,
        lruCache: (lruCacheHits(trace, size) / requests) * 100,
        published: PUBLISHED_TINYUFO[String(exponent)]![column]!,
        publishedLru: PUBLISHED_LRU[String(exponent)]![column]!,
      });
    });
  }
  printTable(cells, requests);
  const rows: BenchRow[] = cells.map((c) =>
    // ratio = ours / published; goal = (published - 0.5) / published, i.e. the 0.5pp rule.
    // A quick run has no goal: its shorter trace is not the published experiment.
    row(
      `hit ratio zipf ${c.exponent.toFixed(2)} size ${c.size * 100}%${quick ? ' (quick)' : ''}`,
      '%',
      c.ours,
      'published TinyUFO (Rust)',
      c.published,
      quick ? undefined : Number(((c.published - TOLERANCE_PP) / c.published).toFixed(4)),
    ),
  );
  report('tinyufo', 'hit-ratio', rows);
  return cells;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runHitRatio(process.argv.includes('--quick'));
}
