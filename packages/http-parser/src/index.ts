/**
 * HTTP types and a strict, incremental, fast HTTP/1.x codec.
 *
 * @packageDocumentation
 */
export {};
