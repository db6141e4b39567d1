/**
 * In-memory value cache on tinyufo with TTL and single-flight loading (stampede protection).
 *
 * @packageDocumentation
 */
export {};
