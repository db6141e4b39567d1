/**
 * Rate estimator over sliding windows, in-flight counters and token buckets, bounded memory.
 *
 * @packageDocumentation
 */
export {};
