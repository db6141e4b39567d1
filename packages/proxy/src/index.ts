/**
 * The ProxyHttp phase interface and the HttpProxy service that drives each request through the phases.
 *
 * @packageDocumentation
 */
export {};
