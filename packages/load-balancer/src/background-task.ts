import { PingoraError } from '@pingora-ts/error';
import type { Scheduler } from '@pingora-ts/timeout';
import type { DiscoveryResult, ServiceDiscovery } from './discovery/service-discovery.js';

/** What the task drives: one refresh, one round of checks. */
export interface RefreshTarget {
  refresh(): Promise<DiscoveryResult>;
  checkHealth(): Promise<void>;
}

/** The timing the task needs. */
export interface BackgroundTiming {
  readonly discoveryIntervalMs: number;
  readonly minDiscoveryIntervalMs: number;
  readonly healthCheckIntervalMs: number;
  readonly healthCheckJitter: number;
  readonly scheduler: Scheduler;
  readonly random: () => number;
}

/**
 * Two loops on injected timers: discovery (every `discoveryIntervalMs`, sooner when the answer's
 * TTL ends first, never more often than `minDiscoveryIntervalMs`, and at once when a watched
 * source reports a change) and health checks (every `healthCheckIntervalMs`, jittered). Each
 * loop arms its next timer only after its work finished, so rounds never overlap. The first
 * refresh runs at start and the first check round right after it. `stop()` disarms both, stops
 * the watch and waits for work in progress, after which nothing runs.
 */
export class BackgroundTask {
  readonly #target: RefreshTarget;
  readonly #discovery: ServiceDiscovery;
  readonly #timing: BackgroundTiming;
  readonly #onError: (error: PingoraError) => void;
  #isStopped = false;
  #refreshTimer: unknown;
  #checkTimer: unknown;
  #unwatch: (() => void) | undefined;
  #refreshing: Promise<void> | undefined;
  #checking: Promise<void> | undefined;
  #isRefreshWanted = false;
  #isCheckLoopStarted = false;

  constructor(
    target: RefreshTarget,
    discovery: ServiceDiscovery,
    timing: BackgroundTiming,
    onError: (error: PingoraError) => void,
  ) {
    this.#target = target;
    this.#discovery = discovery;
    this.#timing = timing;
    this.#onError = onError;
  }

  /** Runs the first refresh now and watches the source if it can be watched. */
  start(): void {
    this.#unwatch = this.#discovery.watch?.(() => this.#refreshSoon());
    this.#runRefresh();
  }

  /** Disarms the timers, stops watching and waits for running work. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#disarm('refresh');
    this.#disarm('check');
    await Promise.all([this.#refreshing, this.#checking]);
  }

  #refreshSoon(): void {
    if (this.#isStopped) return;
    if (this.#refreshing !== undefined) {
      this.#isRefreshWanted = true; // once the running refresh is done
      return;
    }
    this.#disarm('refresh');
    this.#runRefresh();
  }

  #runRefresh(): void {
    this.#refreshTimer = undefined;
    if (this.#isStopped) return;
    const timing = this.#timing;
    let delay = timing.discoveryIntervalMs;
    this.#refreshing = this.#target.refresh().then(
      (result) => {
        if (result.ttlMs !== undefined) {
          delay = Math.max(timing.minDiscoveryIntervalMs, Math.min(delay, result.ttlMs));
        }
      },
      (error: unknown) => this.#onError(PingoraError.from(error)),
    );
    void this.#refreshing.then(() => {
      this.#refreshing = undefined;
      if (this.#isStopped) return;
      if (!this.#isCheckLoopStarted) {
        this.#isCheckLoopStarted = true;
        this.#runChecks();
      }
      if (this.#isRefreshWanted) {
        this.#isRefreshWanted = false;
        this.#runRefresh();
        return;
      }
      this.#refreshTimer = timing.scheduler.setTimeout(() => this.#runRefresh(), delay);
      timing.scheduler.unref?.(this.#refreshTimer);
    });
  }

  #runChecks(): void {
    this.#checkTimer = undefined;
    if (this.#isStopped) return;
    const timing = this.#timing;
    this.#checking = this.#target
      .checkHealth()
      .catch((error: unknown) => this.#onError(PingoraError.from(error)))
      .then(() => {
        this.#checking = undefined;
        if (this.#isStopped) return;
        const spread = 1 + timing.healthCheckJitter * (2 * timing.random() - 1);
        this.#checkTimer = timing.scheduler.setTimeout(
          () => this.#runChecks(),
          timing.healthCheckIntervalMs * spread,
        );
        timing.scheduler.unref?.(this.#checkTimer);
      });
  }

  #disarm(which: 'refresh' | 'check'): void {
    const handle = which === 'refresh' ? this.#refreshTimer : this.#checkTimer;
    if (handle !== undefined) this.#timing.scheduler.clearTimeout(handle);
    if (which === 'refresh') this.#refreshTimer = undefined;
    else this.#checkTimer = undefined;
  }
}
