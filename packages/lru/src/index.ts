/**
 * Weighted LRU cache with count and byte limits, O(1) operations and eviction callbacks.
 *
 * @packageDocumentation
 */
export {};
