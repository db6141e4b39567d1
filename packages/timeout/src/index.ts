/**
 * Coarse timer wheel: many pending deadlines at O(1) each, one Node timer per wheel.
 *
 * @packageDocumentation
 */
export {};
