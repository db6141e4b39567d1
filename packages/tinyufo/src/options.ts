/** Options of {@link TinyUfo}. */
export interface TinyUfoOptions<K> {
  /**
   * The total weight the cache holds (with the default weight of 1 per entry: the number of
   * entries). Required; a positive finite number.
   */
  weightLimit: number;
  /**
   * About how many entries the cache will hold; sizes the frequency sketch (16 one-byte
   * counters per entry), its aging window (`8 x estimatedSize` admissions) and the ghost queue
   * (`ghostShare x estimatedSize` keys). Default: `weightLimit`, right when entries weigh 1.
   */
  estimatedSize?: number;
  /**
   * A 32-bit hash of a key for the frequency sketch and the ghost queue; it need not be well
   * mixed (the cache mixes it). Default: a built-in hash of strings, numbers, bigints and
   * booleans; other key types need this option.
   */
  hashKey?: (key: K) => number;
  /**
   * Size of the ghost queue per estimated entry (keys recently evicted from the small queue,
   * which go straight to main when put again). Default `DEFAULTS.ghostShare` (0.02); 0 turns
   * the ghost off. Larger ghosts help workloads that return to keys after a while more than
   * TinyLFU alone does, and cost hit ratio on Zipf workloads.
   */
  ghostShare?: number;
}

/**
 * Constants of the algorithm, from Pingora's TinyUFO (tinyufo/src/lib.rs and estimation.rs).
 */
export const DEFAULTS = {
  /** Share of `weightLimit` for the small (probation) queue: S3-FIFO's 10%. */
  smallQueueShare: 0.1,
  /**
   * Cap of an entry's use counter. TinyUFO has 8 bits but caps at 3 so that the main queue,
   * which decrements and re-queues entries that were used, finds a victim within 3 passes.
   */
  usesCap: 3,
  /** An entry moves from small to main when it was used more than this many times. */
  promoteAfterUses: 1,
  /**
   * How many keys evicted from the small queue the ghost queue remembers, per estimated entry.
   * S3-FIFO remembers as many as its main queue holds (90%), but next to TinyLFU, which
   * already lets a returning key win admission, every ghost hit sends a key straight to main
   * past entries that earned their place. On the hit-ratio harness (bench/hit-ratio.ts) the
   * worst cell against the published TinyUFO figure was -1.63 points with a ghost of 90%,
   * -0.46 with 10%, -0.13 with 2% and -0.08 with none. TinyUFO itself has no ghost queue (its
   * sketch plays that part).
   */
  ghostShare: 0.02,
  /** Admissions between two agings of the sketch, per estimated entry (TinyUFO's 8x). */
  windowPerEntry: 8,
} as const;

/** Checks the options and fills in the defaults. */
export function resolveOptions<K>(
  options: TinyUfoOptions<K>,
): Required<Omit<TinyUfoOptions<K>, 'hashKey'>> & Pick<TinyUfoOptions<K>, 'hashKey'> {
  const { weightLimit } = options;
  if (!(Number.isFinite(weightLimit) && weightLimit > 0)) {
    throw new RangeError(`tinyufo: weightLimit must be a positive number, got ${weightLimit}`);
  }
  const estimatedSize = options.estimatedSize ?? Math.ceil(weightLimit);
  if (!(Number.isInteger(estimatedSize) && estimatedSize > 0)) {
    throw new RangeError(
      `tinyufo: estimatedSize must be a positive integer, got ${options.estimatedSize}`,
    );
  }
  const ghostShare = options.ghostShare ?? DEFAULTS.ghostShare;
  if (!(ghostShare >= 0 && ghostShare <= 1)) {
    throw new RangeError(`tinyufo: ghostShare must be between 0 and 1, got ${ghostShare}`);
  }
  return { weightLimit, estimatedSize, ghostShare, hashKey: options.hashKey };
}
