/**
 * Limits for a proxy's traffic, in bounded memory: {@link Rate} estimates events per key over
 * a sliding interval with two rotating count-min sketches, {@link Inflight} counts concurrent
 * requests per key with guards that release exactly once, and {@link TokenBucket} answers
 * "allowed" or "retry after N ms" per key. Time is injected (`clock`), so tests are exact.
 *
 * @example
 * ```ts
 * import { Rate, TokenBucket } from '@pingora-ts/limits';
 *
 * let now = 0;
 * const rate = new Rate({ intervalMs: 1000, clock: () => now });
 * for (let i = 0; i < 30; i++) rate.observe('10.0.0.1');
 * now = 1500;
 * console.log(rate.previousRate('10.0.0.1'), rate.rate('10.0.0.1'));
 * ```
 *
 * @packageDocumentation
 */
export type { Clock } from './clock.js';
export { CountMinSketch, type SketchSize } from './count-min-sketch.js';
export { Inflight, InflightGuard } from './inflight.js';
export { RATE_DEFAULTS, Rate, type RateOptions } from './rate.js';
export {
  type TakeResult,
  TOKEN_BUCKET_DEFAULTS,
  TokenBucket,
  type TokenBucketOptions,
} from './token-bucket.js';
