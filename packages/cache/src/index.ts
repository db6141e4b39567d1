/**
 * RFC 9111 shared HTTP cache: keys, freshness, revalidation, Vary, stale-while-revalidate and stale-if-error, cache lock, storage.
 *
 * @packageDocumentation
 */
export {};
