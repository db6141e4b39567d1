import { Backend } from '../backend.js';
import type { DiscoveryResult, ServiceDiscovery } from './service-discovery.js';

/**
 * A fixed list of backends, given as {@link Backend}s or `host:port` strings.
 *
 * @example
 * ```ts
 * const discovery = new StaticDiscovery(['127.0.0.1:8080', Backend.parse('127.0.0.1:8081', 3)]);
 * ```
 */
export class StaticDiscovery implements ServiceDiscovery {
  readonly #result: DiscoveryResult;

  /** @throws as {@link Backend.parse} for a malformed address. */
  constructor(backends: Iterable<Backend | string>) {
    const list = [...backends].map((b) => (typeof b === 'string' ? Backend.parse(b) : b));
    this.#result = { backends: Object.freeze(list) };
  }

  discover(): Promise<DiscoveryResult> {
    return Promise.resolve(this.#result);
  }
}
