import { mix32 } from './key-hash.js';
import { DEFAULTS } from './options.js';

/** The largest value of a 4-bit counter; counters saturate there. */
const COUNTER_MAX = 15;
/** Counters per key (rows of the count-min sketch). */
const ROWS = 4;
/** 32-bit words per block: 64 bytes, one cache line. */
const BLOCK_WORDS = 16;

/**
 * Sketch size for `items` distinct keys: blocks of 64 bytes (128 four-bit counters), a power
 * of two of them with at least 16 counters per item, as Caffeine sizes its sketch.
 */
export function sketchBlocks(items: number): number {
  const wanted = Math.ceil(Math.max(1, items) / 8);
  let blocks = 1;
  while (blocks < wanted) blocks *= 2;
  return blocks;
}

/**
 * TinyLFU's frequency estimator: a count-min sketch of 4-bit saturating counters with
 * periodic aging. Every `windowLimit + 1` increments (8x the cache size, TinyUFO's heuristic)
 * all counters are halved, so popularity decays and the sketch follows a changing workload
 * (Einziger, Friedman & Manes, "TinyLFU", 2017, section 3.3 "reset").
 *
 * The layout is Caffeine's blocked sketch (Ben Manes, `FrequencySketch`): a key hashes to one
 * 64-byte block and its 4 counters (one per row) all live in that block, so an increment or an
 * estimate touches one cache line. TinyUFO's own sketch uses 8-bit counters in `log2(n)`
 * separate rows of `e x n` each (14 rows at 10k entries); in JavaScript those scattered reads
 * made `put` 4x slower than lru-cache's, while the hit ratios of this layout stay within 0.1
 * points of the published TinyUFO figures (see bench/hit-ratio.ts). Counts above 15 make no
 * difference to an admission test between a newcomer and a victim.
 */
export class FrequencySketch {
  /** Increments between two agings. */
  readonly windowLimit: number;
  private readonly words: Uint32Array;
  private readonly blockMask: number;
  private window = 0;

  /** A sketch sized for a cache of about `estimatedSize` entries. */
  constructor(estimatedSize: number) {
    const blocks = sketchBlocks(estimatedSize);
    this.blockMask = blocks - 1;
    this.words = new Uint32Array(blocks * BLOCK_WORDS);
    this.windowLimit = Math.max(1, estimatedSize) * DEFAULTS.windowPerEntry;
  }

  /** Memory of the counters, in bytes. */
  get byteLength(): number {
    return this.words.byteLength;
  }

  /**
   * Counts one more occurrence of the key whose hash is `hash`, aging the sketch first when
   * the window is full; returns the new estimate (the minimum over the rows).
   */
  increment(hash: number): number {
    // TinyUFO counts the window before the increment and resets it to 0 when it reaches the
    // limit, so an aging happens every `windowLimit + 1` increments.
    if (this.window++ === this.windowLimit) {
      this.window = 0;
      this.age();
    }
    const words = this.words;
    const h = mix32(hash);
    // Bits of `h`: block from the top, then per row 2 bits for the word (of 4 per row) and
    // 3 bits for the nibble within it.
    const base = ((h >>> 20) & this.blockMask) * BLOCK_WORDS;
    let min = COUNTER_MAX;
    for (let row = 0; row < ROWS; row++) {
      const bits = h >>> (row * 5);
      const at = base + row * 4 + (bits & 3);
      const shift = ((bits >>> 2) & 7) << 2;
      const word = words[at]!;
      let count = (word >>> shift) & COUNTER_MAX;
      if (count < COUNTER_MAX) {
        words[at] = word + (1 << shift);
        count++;
      }
      if (count < min) min = count;
    }
    return min;
  }

  /** The estimated count of the key whose hash is `hash` (never below its true recent count). */
  estimate(hash: number): number {
    const words = this.words;
    const h = mix32(hash);
    const base = ((h >>> 20) & this.blockMask) * BLOCK_WORDS;
    let min = COUNTER_MAX;
    for (let row = 0; row < ROWS; row++) {
      const bits = h >>> (row * 5);
      const count =
        (words[base + row * 4 + (bits & 3)]! >>> (((bits >>> 2) & 7) << 2)) & COUNTER_MAX;
      if (count < min) min = count;
    }
    return min;
  }

  /** Halves every counter: shifts each word right and masks the bit that crossed nibbles. */
  private age(): void {
    const words = this.words;
    for (let i = 0; i < words.length; i++) words[i] = (words[i]! >>> 1) & 0x77777777;
  }
}
