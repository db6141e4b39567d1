/**
 * Load balancing for Pingora-TS: a set of {@link Backend}s that discovery replaces atomically,
 * selection algorithms behind one interface (round robin, nginx's smooth weighted round robin,
 * random and weighted random, least in-flight, power of two choices, ketama consistent hashing,
 * FNV hash mod N), active health checks (TCP, HTTP, HTTPS) with rise/fall thresholds, passive
 * health from the proxy's connect failures, and discovery from a static list, DNS (A/AAAA, SRV)
 * or a watched JSON/YAML file, kept fresh by a background task.
 *
 * `select(key, maxIterations, accept)` walks the candidates in the algorithm's order, so a retry
 * can skip unhealthy and already-tried backends and still get the algorithm's next choice.
 *
 * @example
 * ```ts
 * import { LoadBalancer } from '@pingora-ts/load-balancer';
 *
 * const lb = new LoadBalancer({
 *   backends: ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'],
 *   algorithm: 'consistent-hash',
 * });
 * const first = lb.select('/cart/42')!;
 * // A retry: skip what this request already tried.
 * const second = lb.select('/cart/42', 3, (b) => b !== first)!;
 * console.log(first.addr, second.addr);
 * ```
 *
 * @packageDocumentation
 */
export { Backend, type BackendMetadata, MAX_WEIGHT } from './backend.js';
export { Backends, type BackendsChange, type HealthChangeEvent } from './backends.js';
export {
  BackgroundTask,
  type BackgroundTiming,
  type RefreshTarget,
} from './background-task.js';
export { parseBackendList } from './discovery/backend-list-file.js';
export {
  type AddressWithTtl,
  DNS_DEFAULTS,
  DnsDiscovery,
  type DnsDiscoveryOptions,
  type DnsRecordType,
  type DnsResolverLike,
  type SrvRecordLike,
} from './discovery/dns-discovery.js';
export { FileDiscovery } from './discovery/file-discovery.js';
export type { DiscoveryResult, ServiceDiscovery } from './discovery/service-discovery.js';
export { StaticDiscovery } from './discovery/static-discovery.js';
export {
  BackendHealth,
  type HealthChangeReason,
  type HealthThresholds,
} from './health/backend-health.js';
export {
  CHECK_DEFAULTS,
  type CheckOptions,
  type HealthCheck,
} from './health/health-check.js';
export {
  HTTP_CHECK_DEFAULTS,
  type HttpCheckOptions,
  HttpHealthCheck,
} from './health/http-check.js';
export type { ProbeTlsOptions } from './health/probe-connection.js';
export { type TcpCheckOptions, TcpHealthCheck } from './health/tcp-check.js';
export { InFlight, type InFlightSlot } from './in-flight.js';
export {
  LOAD_BALANCER_DEFAULTS,
  LoadBalancer,
  type LoadBalancerOptions,
} from './load-balancer.js';
export {
  ALGORITHMS,
  type AlgorithmName,
  CONSISTENT_HASH_REPLICAS,
  createSelection,
} from './selection/algorithms.js';
export { ConsistentHash } from './selection/consistent-hash.js';
export { FnvHash } from './selection/fnv-hash.js';
export { fnv1a32 } from './selection/fnv1a.js';
export { LeastInFlight } from './selection/least-in-flight.js';
export { PowerOfTwoChoices } from './selection/power-of-two.js';
export { RandomSelection } from './selection/random.js';
export { RoundRobin } from './selection/round-robin.js';
export type {
  Accept,
  Selection,
  SelectionContext,
  SelectionFactory,
  SelectKey,
} from './selection/selection.js';
export { SmoothWeightedRoundRobin } from './selection/smooth-weighted.js';
export { WeightedRandom } from './selection/weighted-random.js';
