/** Milliseconds from some fixed origin; injected so that tests are exact. */
export type Clock = () => number;

/** `performance.now()`: monotonic. */
export const monotonicNow: Clock = () => performance.now();
