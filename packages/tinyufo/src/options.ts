/** Options of {@link TinyUfo}. */
export interface TinyUfoOptions<K> {
  /**
   * The total weight the cache holds (with the default weight of 1 per entry: the number of
   * entries). Required; a positive finite number.
   */
  weightLimit: number;
  /**
   * About how many entries the cache will hold; sizes the frequency sketch (16 four-bit
   * counters per entry), its aging window (`8 x estimatedSize` admissions) and the ghost queue
   * (`0.1 x estimatedSize` keys). Default: `weightLimit`, right when entries weigh 1.
   */
  estimatedSize?: number;
  /**
   * A 32-bit hash of a key for the frequency sketch. Default: a built-in hash of strings,
   * numbers, bigints and booleans; other key types need this option.
   */
  hashKey?: (key: K) => number;
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
   * How many keys evicted from the small queue the ghost queue remembers, per estimated entry:
   * as many as the small queue holds. S3-FIFO remembers as many as the main queue (90%), but
   * next to TinyLFU, which already lets a returning key win admission, a ghost that large
   * sends too many one-hit keys straight to main: on the hit-ratio harness 0.9 cost up to 1
   * point, 0.2 up to 0.2 points and 0.1 at most 0.1 point against TinyUFO without a ghost.
   */
  ghostShare: 0.1,
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
  return { weightLimit, estimatedSize, hashKey: options.hashKey };
}
