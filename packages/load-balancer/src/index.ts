/**
 * Backends, selection algorithms (round robin, smooth weighted, least in-flight, P2C, ketama, FNV), health checks and service discovery.
 *
 * @packageDocumentation
 */
export {};
