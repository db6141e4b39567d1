/**
 * S3-FIFO cache with TinyLFU admission: the hit-ratio leader, weighted entries.
 *
 * @packageDocumentation
 */
export {};
