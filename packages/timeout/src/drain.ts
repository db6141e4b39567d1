import type { TimerWheel } from './timer-wheel.js';

/** What ended a wait for a writable stream to drain (see {@link whenDrained}). */
export type DrainOutcome = 'drain' | 'close' | 'timeout';

/**
 * The part of a writable stream (a `net.Socket`, an `Http2Stream`) that a drain wait uses:
 * its `destroyed` flag and its `drain` and `close` events.
 */
export interface DrainTarget {
  readonly destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Waits until `target` takes what it buffered (`'drain'`), closes (`'close'`, also at once when
 * it is already destroyed, since no event will come any more), or takes nothing for `ms`
 * (`'timeout'`). Never rejects: the caller turns the outcome into its own error and decides
 * what to do with a stream that timed out. Listeners and the deadline are gone when it settles.
 *
 * @example
 * ```ts
 * import { TimerWheel, whenDrained } from '@pingora-ts/timeout';
 *
 * const wheel = new TimerWheel();
 * if (!socket.write(chunk) && (await whenDrained(socket, wheel, 30_000)) !== 'drain') {
 *   socket.destroy();
 * }
 * ```
 */
export function whenDrained(
  target: DrainTarget,
  wheel: TimerWheel,
  ms: number,
): Promise<DrainOutcome> {
  if (target.destroyed) return Promise.resolve('close');
  return new Promise<DrainOutcome>((resolve) => {
    const done = (outcome: DrainOutcome) => {
      timer.cancel();
      target.off('drain', onDrain);
      target.off('close', onClose);
      resolve(outcome);
    };
    const onDrain = () => done('drain');
    const onClose = () => done('close');
    const timer = wheel.deadline(ms, () => done('timeout'));
    target.once('drain', onDrain);
    target.once('close', onClose);
  });
}
