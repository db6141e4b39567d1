/**
 * Process lifecycle: services and listeners, workers, graceful shutdown and zero-downtime upgrade, YAML config, CLI.
 *
 * @packageDocumentation
 */
export {};
