import { PingoraError } from '@pingora-ts/error';
import { type Clock, monotonicClock, nodeScheduler, type Scheduler } from '@pingora-ts/timeout';
import { Backend } from './backend.js';
import { Backends, type BackendsChange, type HealthChangeEvent } from './backends.js';
import { BackgroundTask } from './background-task.js';
import type { DiscoveryResult, ServiceDiscovery } from './discovery/service-discovery.js';
import { StaticDiscovery } from './discovery/static-discovery.js';
import type { HealthCheck } from './health/health-check.js';
import { InFlight } from './in-flight.js';
import { Listeners } from './listeners.js';
import { type AlgorithmName, createSelection } from './selection/algorithms.js';
import type { Accept, Selection, SelectionFactory, SelectKey } from './selection/selection.js';

/** Options of {@link LoadBalancer}; every default is in {@link LOAD_BALANCER_DEFAULTS}. */
export interface LoadBalancerOptions {
  /** Where backends come from. Give this or `backends`. */
  discovery?: ServiceDiscovery;
  /** A fixed list (shorthand for a {@link StaticDiscovery}); loaded at construction. */
  backends?: Iterable<Backend | string>;
  /** Selection algorithm: a built-in name or a factory. */
  algorithm?: AlgorithmName | SelectionFactory;
  /** Active health check; without one every backend counts as healthy unless reported down. */
  healthCheck?: HealthCheck;
  /** Time between health-check rounds, ms. */
  healthCheckIntervalMs?: number;
  /** Each interval is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  healthCheckJitter?: number;
  /** Time between discovery refreshes, ms (sooner when an answer's TTL runs out first). */
  discoveryIntervalMs?: number;
  /** Shortest time between refreshes, however short a TTL, ms. */
  minDiscoveryIntervalMs?: number;
  /** Connect failures in a row (reported by the proxy) that take a backend down. */
  passiveFailureThreshold?: number;
  /** Candidates examined by {@link LoadBalancer.select} when not told. */
  maxIterations?: number;
  /** Clock for check times. Default monotonic. */
  clock?: Clock;
  /** Timers of the background task. Default Node's. */
  scheduler?: Scheduler;
  /** Random numbers in [0, 1) for the algorithms and jitter. Default `Math.random`. */
  random?: () => number;
}

/** Defaults of {@link LoadBalancerOptions}, in one place. */
export const LOAD_BALANCER_DEFAULTS = {
  algorithm: 'round-robin' as AlgorithmName,
  // Pingora's examples check every second; five keeps probe traffic low on large pools while a
  // dead backend is still out within unhealthyThreshold * 5 s (passive health is faster).
  healthCheckIntervalMs: 5_000,
  // Spreads the probes of many proxies so they do not hit the backends in lockstep.
  healthCheckJitter: 0.1,
  discoveryIntervalMs: 60_000,
  minDiscoveryIntervalMs: 1_000,
  // nginx's max_fails is 1; three tolerates a single reset without emptying a small pool.
  passiveFailureThreshold: 3,
  // Pingora's examples pass 256 to select(); at most every backend is examined anyway.
  maxIterations: 256,
} as const;

type Resolved = Required<
  Omit<LoadBalancerOptions, 'discovery' | 'backends' | 'healthCheck' | 'algorithm'>
>;

/**
 * Backends, their health and a selection algorithm, kept up to date by a background task.
 *
 * {@link LoadBalancer.select} walks the algorithm's candidates, skipping unhealthy backends and
 * any the caller rejects (those already tried by this request), and returns the first left.
 * {@link LoadBalancer.refresh} asks discovery for the backends and swaps the set atomically;
 * {@link LoadBalancer.checkHealth} runs one round of active checks; {@link LoadBalancer.start}
 * runs both on their intervals until {@link LoadBalancer.stop}.
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer({
 *   backends: ['127.0.0.1:8080', '127.0.0.1:8081'],
 *   algorithm: 'consistent-hash',
 *   healthCheck: new TcpHealthCheck(),
 * });
 * lb.start();
 * const tried = new Set<Backend>();
 * const peer = lb.select('/user/42', 3, (b) => !tried.has(b));
 * await lb.stop();
 * ```
 */
export class LoadBalancer {
  /** The current backends and their health. */
  readonly backends = new Backends();
  /** Requests in flight per backend (least-in-flight and power-of-two-choices read it). */
  readonly inFlight = new InFlight();
  /** The active health check, if any. */
  readonly healthCheck: HealthCheck | undefined;
  readonly #discovery: ServiceDiscovery;
  readonly #algorithm: AlgorithmName | SelectionFactory;
  readonly #options: Resolved;
  readonly #errors = new Listeners<PingoraError>();
  #selection: Selection | undefined;
  #selectionVersion = -1;
  #task: BackgroundTask | undefined;
  readonly #isHealthy: Accept = (b) => this.backends.isHealthy(b);

  /** @throws RangeError/TypeError for invalid options or backends. */
  constructor(options: LoadBalancerOptions) {
    if ((options.discovery === undefined) === (options.backends === undefined)) {
      throw new TypeError('LoadBalancer needs exactly one of discovery or backends');
    }
    const statics =
      options.backends === undefined ? undefined : new StaticDiscovery(options.backends);
    this.#discovery = options.discovery ?? statics!;
    this.#algorithm = options.algorithm ?? LOAD_BALANCER_DEFAULTS.algorithm;
    this.healthCheck = options.healthCheck;
    this.#options = {
      healthCheckIntervalMs:
        options.healthCheckIntervalMs ?? LOAD_BALANCER_DEFAULTS.healthCheckIntervalMs,
      healthCheckJitter: options.healthCheckJitter ?? LOAD_BALANCER_DEFAULTS.healthCheckJitter,
      discoveryIntervalMs:
        options.discoveryIntervalMs ?? LOAD_BALANCER_DEFAULTS.discoveryIntervalMs,
      minDiscoveryIntervalMs:
        options.minDiscoveryIntervalMs ?? LOAD_BALANCER_DEFAULTS.minDiscoveryIntervalMs,
      passiveFailureThreshold:
        options.passiveFailureThreshold ?? LOAD_BALANCER_DEFAULTS.passiveFailureThreshold,
      maxIterations: options.maxIterations ?? LOAD_BALANCER_DEFAULTS.maxIterations,
      clock: options.clock ?? monotonicClock,
      scheduler: options.scheduler ?? nodeScheduler,
      random: options.random ?? Math.random,
    };
    validate(this.#options);
    this.backends.onChange((change) => {
      this.inFlight.prune(new Set(change.backends.map((b) => b.addr)));
    });
    // A fixed list is there at once, so select() works before the first refresh.
    if (options.backends !== undefined) {
      this.backends.update(
        [...options.backends].map((b) => (typeof b === 'string' ? Backend.parse(b) : b)),
      );
    }
    // Build the selection now so that a bad custom factory fails here, not on the first request.
    this.#current();
  }

  /** The resolved options (defaults filled in). */
  get options(): Readonly<Resolved> {
    return this.#options;
  }

  /**
   * The first backend, in the algorithm's order for `key`, that is healthy and that `accept`
   * accepts; `undefined` when none of the first `maxIterations` candidates qualifies.
   *
   * @param key - hashed by `consistent-hash` and `fnv-hash`; ignored by the others.
   * @param maxIterations - candidates to examine at most (each backend at most once).
   * @param accept - false skips a candidate, e.g. one this request already tried.
   */
  select(
    key: SelectKey = '',
    maxIterations: number = this.#options.maxIterations,
    accept?: Accept,
  ): Backend | undefined {
    const selection = this.#current();
    if (accept === undefined) {
      // All healthy (the usual case): no per-candidate health lookups.
      const healthy = this.backends.unhealthyCount === 0 ? undefined : this.#isHealthy;
      return selection.select(key, maxIterations, healthy);
    }
    return selection.select(key, maxIterations, (b) => this.backends.isHealthy(b) && accept(b));
  }

  /**
   * Asks discovery for the backends once and applies the answer atomically. Resolves with the
   * answer; rejects with a `PingoraError` (also sent to {@link LoadBalancer.onError}
   * listeners by the background task) and keeps the current set when discovery fails.
   */
  async refresh(): Promise<DiscoveryResult> {
    let result: DiscoveryResult;
    try {
      result = await this.#discovery.discover();
    } catch (error) {
      throw PingoraError.from(error, 'InternalError', 'refreshing backends');
    }
    this.backends.update(result.backends);
    return result;
  }

  /** Runs the active check once on every backend, concurrently; resolves when all are done. */
  async checkHealth(): Promise<void> {
    const check = this.healthCheck;
    if (check === undefined) return;
    const list = this.backends.list;
    await Promise.all(
      list.map(async (backend) => {
        let error: PingoraError | undefined;
        try {
          await check.check(backend);
        } catch (e) {
          error = PingoraError.from(e, 'InternalError', `health check of ${backend.addr}`);
        }
        this.backends.recordCheck(backend, error, check, this.#options.clock.now());
      }),
    );
  }

  /**
   * Passive health: the proxy failed to connect to `backend`. After `passiveFailureThreshold`
   * failures in a row it is marked down until the active check brings it back (or
   * {@link Backends.setHealthy}, when there is no active check).
   */
  reportConnectFailure(backend: Backend, error?: PingoraError): void {
    this.backends.recordConnectFailure(backend, this.#options.passiveFailureThreshold, error);
  }

  /** Passive health: the proxy connected to `backend`; its run of failures ends. */
  reportConnectSuccess(backend: Backend): void {
    this.backends.recordConnectSuccess(backend);
  }

  /** Starts the background refresh and health checks (the first of each at once); idempotent. */
  start(): void {
    if (this.#task !== undefined) return;
    this.#task = new BackgroundTask(this, this.#discovery, this.#options, (error) =>
      this.#errors.emit(error),
    );
    this.#task.start();
  }

  /** Stops the background task and waits for a refresh or check round in progress; idempotent. */
  async stop(): Promise<void> {
    const task = this.#task;
    this.#task = undefined;
    await task?.stop();
  }

  /** Whether the background task runs. */
  get isRunning(): boolean {
    return this.#task !== undefined;
  }

  /** Calls `listener` when a backend goes up or down; returns the unsubscribe. */
  onHealthChange(listener: (event: HealthChangeEvent) => void): () => void {
    return this.backends.onHealthChange(listener);
  }

  /** Calls `listener` after discovery changed the set; returns the unsubscribe. */
  onBackendsChange(listener: (change: BackendsChange) => void): () => void {
    return this.backends.onChange(listener);
  }

  /** Calls `listener` with background failures (discovery errors); returns the unsubscribe. */
  onError(listener: (error: PingoraError) => void): () => void {
    return this.#errors.add(listener);
  }

  /** The selection over the current set, rebuilt when the set's version moved. */
  #current(): Selection {
    const version = this.backends.version;
    if (this.#selection === undefined || this.#selectionVersion !== version) {
      this.#selection = createSelection(this.#algorithm, this.backends.list, {
        random: this.#options.random,
        inFlight: this.inFlight,
      });
      this.#selectionVersion = version;
    }
    return this.#selection;
  }
}

function validate(options: Resolved): void {
  const positive = [
    'healthCheckIntervalMs',
    'discoveryIntervalMs',
    'minDiscoveryIntervalMs',
    'passiveFailureThreshold',
    'maxIterations',
  ] as const;
  for (const name of positive) {
    const value = options[name];
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a positive number, got ${value}`);
    }
  }
  if (!(options.healthCheckJitter >= 0 && options.healthCheckJitter < 1)) {
    throw new RangeError(`healthCheckJitter must be in [0, 1), got ${options.healthCheckJitter}`);
  }
}
