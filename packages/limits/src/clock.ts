/** Milliseconds from some fixed origin; injected so that tests are exact. */
export type Clock = () => number;

// Read once: `globalThis.performance` is a lazy accessor in Node, a cost on every call.
const perf = performance;

/** `performance.now()`: monotonic. */
export const monotonicNow: Clock = () => perf.now();
