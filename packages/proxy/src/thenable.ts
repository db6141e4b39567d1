/**
 * Whether a phase returned a promise (or another thenable) to wait for, rather than its
 * result: a phase that answers synchronously is not awaited, which saves a promise and a turn
 * of the microtask queue per call.
 */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<T>).then === 'function'
  );
}
