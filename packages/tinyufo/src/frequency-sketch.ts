import { DEFAULTS } from './options.js';

/** Counters saturate at 15, as 4-bit ones would: above that no admission test changes. */
const COUNTER_MAX = 15;
/** Counters per key (rows of the count-min sketch). */
const ROWS = 4;
/** Counters per row within a block (a key's counter in a row takes 4 bits of its hash). */
const ROW_COUNTERS = 16;
/** Bytes per block: 4 rows of 16 one-byte counters, 64 bytes, one cache line. */
const BLOCK_BYTES = ROWS * ROW_COUNTERS;
/** After shifting four byte counters (each at most 15) right by one, the bits that are theirs. */
const HALVED_MASK = 0x07070707;
/** Fibonacci hashing's multiplier (2^32 / golden ratio), for the block index. */
const GOLDEN = 0x9e3779b1;

/** The lesser of two small non-negative integers, without a branch. */
function lesser(a: number, b: number): number {
  const d = b - a;
  return a + (d & (d >> 31));
}

/**
 * Sketch size for `items` distinct keys: blocks of 64 one-byte counters, a power of two of
 * them with at least 16 counters per item, as Caffeine sizes its sketch.
 */
export function sketchBlocks(items: number): number {
  const wanted = Math.ceil(Math.max(1, items) / 4);
  let blocks = 1;
  while (blocks < wanted) blocks *= 2;
  return blocks;
}

/**
 * TinyLFU's frequency estimator: a count-min sketch of small saturating counters with
 * periodic aging. Every `windowLimit + 1` increments (8x the cache size, TinyUFO's heuristic)
 * all counters are halved, so popularity decays and the sketch follows a changing workload
 * (Einziger, Friedman & Manes, "TinyLFU", 2017, section 3.3 "reset").
 *
 * Aging halves every counter at once, four at a time through a 32-bit view: at 10k entries a
 * 256 KB pass every 80,000 increments (about 0.8 word per increment), and about 4 ms for the
 * 16 MB sketch of a million entries every 8 million. It used to be lazy (each block caught up
 * with missed agings when next touched, the same estimates without the pause), but checking a
 * per-block stamp on every increment and estimate cost a second cache miss per call: puts that
 * evict were 20-25% slower for it.
 *
 * The layout is Caffeine's blocked sketch (Ben Manes, `FrequencySketch`): a key hashes to one
 * 64-byte block and its 4 counters (one per row) all live in that block, so an increment or an
 * estimate touches one cache line. Counters are bytes capped at 15: Caffeine packs 4-bit ones,
 * but byte loads and stores need no shifting and masking, which measured faster in JavaScript
 * for twice the memory (16 bytes per entry; TinyUFO's own sketch of 8-bit counters in
 * `log2(n)` rows of `e x n` takes about 38 at 10k entries). Counts above 15 make no difference
 * to an admission test between a newcomer and a victim.
 */
export class FrequencySketch {
  /** Increments between two agings. */
  readonly windowLimit: number;
  private readonly counters: Uint8Array;
  /** The counters as 32-bit words, for aging four at a time. */
  private readonly words: Int32Array;
  private readonly blockMask: number;
  /** `32 - log2(blocks)`: the top bits of a multiplied hash pick the block. */
  private readonly blockShift: number;
  private window = 0;

  /** A sketch sized for a cache of about `estimatedSize` entries. */
  constructor(estimatedSize: number) {
    const blocks = sketchBlocks(estimatedSize);
    this.blockMask = blocks - 1;
    this.blockShift = (32 - Math.log2(blocks)) | 0;
    this.counters = new Uint8Array(blocks * BLOCK_BYTES);
    this.words = new Int32Array(this.counters.buffer);
    this.windowLimit = Math.max(1, estimatedSize) * DEFAULTS.windowPerEntry;
  }

  /** Memory of the counters, in bytes. */
  get byteLength(): number {
    return this.counters.byteLength;
  }

  /**
   * Counts one more occurrence of the key whose hash is `hash` (well mixed, such as
   * {@link defaultHashKey}'s: its bits pick the counters), aging the sketch first when the
   * window is full; returns the new estimate (the minimum over the rows).
   */
  increment(hash: number): number {
    // TinyUFO counts the window before the increment and resets it to 0 when it reaches the
    // limit, so an aging happens every `windowLimit + 1` increments.
    if (this.window++ === this.windowLimit) {
      this.window = 0;
      this.age();
    }
    const counters = this.counters;
    const base = this.blockOf(hash) * BLOCK_BYTES;
    let min = COUNTER_MAX;
    for (let row = 0; row < ROWS; row++) {
      const at = base + row * ROW_COUNTERS + ((hash >>> (row * 4)) & 15);
      // Without branches: which counters are below 15, and which is the least, change from
      // key to key, and mispredicted branches made this several times slower.
      const before = counters[at]!;
      const count = before + ((before - COUNTER_MAX) >>> 31); // +1 below COUNTER_MAX
      counters[at] = count;
      min = lesser(min, count);
    }
    return min;
  }

  /**
   * The estimated count of the key whose well-mixed hash is `hash` (never below its true recent
   * count).
   */
  estimate(hash: number): number {
    const counters = this.counters;
    const base = this.blockOf(hash) * BLOCK_BYTES;
    let min = COUNTER_MAX;
    for (let row = 0; row < ROWS; row++) {
      min = lesser(min, counters[base + row * ROW_COUNTERS + ((hash >>> (row * 4)) & 15)]!);
    }
    return min;
  }

  /**
   * The block of the hash `h`: the top bits of h x GOLDEN, which depend on every bit of h (a
   * block count of 1 gives a shift of 32, which JavaScript takes as 0, and the mask makes it
   * block 0); per row, 4 low bits of h then pick one of its 16 counters.
   */
  private blockOf(h: number): number {
    return (Math.imul(h, GOLDEN) >>> this.blockShift) & this.blockMask;
  }

  /** Halves every counter (TinyLFU's reset). */
  private age(): void {
    const words = this.words;
    for (let i = 0; i < words.length; i++) words[i] = (words[i]! >>> 1) & HALVED_MASK;
  }
}
