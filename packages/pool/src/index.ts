/**
 * Idle upstream connection pool keyed by peer: hot stack, global LRU cap, idle timeout, remote-close eviction.
 *
 * @packageDocumentation
 */
export {};
