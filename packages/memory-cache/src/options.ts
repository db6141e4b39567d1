import { PingoraError } from '@pingora-ts/error';

/** Timers for the lock timeout; injectable so tests control time exactly. */
export interface LockTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What a caller that waited `lockTimeoutMs` for another caller's load does next. */
export type LockTimeoutAction = 'error' | 'load';

/** Options of {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /** Total weight held (entries weigh 1 unless `put` says otherwise). Required. */
  weightLimit: number;
  /** About how many entries; sizes tinyufo's frequency sketch. Default: `weightLimit`. */
  estimatedSize?: number;
  /** Time to live of an entry whose `put` gives none, in ms. Default `Infinity` (no expiry). */
  defaultTtlMs?: number;
  /**
   * How long after expiry an entry is still answered as `stale` (with its value) rather than
   * `expired`, in ms: room for stale-while-revalidate. Default `0`.
   */
  staleWindowMs?: number;
  /**
   * How long a `getOrLoad` caller waits for another caller's load of the same key, in ms
   * (`Infinity`: no limit). Default `5000`.
   */
  lockTimeoutMs?: number;
  /**
   * After the lock timeout: `'error'` rejects with a `PingoraError` of kind `InternalError`
   * (the safe choice when the loader is stuck on a slow origin: no stampede follows);
   * `'load'` calls the loader itself, as Pingora's read-through cache does. Default `'error'`.
   */
  onLockTimeout?: LockTimeoutAction;
  /** Milliseconds on a monotonic scale. Default `performance.now`. */
  clock?: () => number;
  /** Timers for the lock timeout. Default: the global `setTimeout` / `clearTimeout`. */
  timers?: LockTimers;
}

/** The defaults of every optional option, in one place. */
export const DEFAULTS = Object.freeze({
  defaultTtlMs: Number.POSITIVE_INFINITY,
  staleWindowMs: 0,
  lockTimeoutMs: 5_000,
  onLockTimeout: 'error' as LockTimeoutAction,
  clock: (): number => performance.now(),
  timers: Object.freeze({
    setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
    clearTimeout: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
  }) as LockTimers,
});

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<MemoryCacheOptions, 'estimatedSize'>> &
  Pick<MemoryCacheOptions, 'estimatedSize'>;

function invalid(name: string, value: unknown, rule: string): PingoraError {
  return PingoraError.explain(
    'InvalidConfig',
    `memory-cache option ${name} ${rule}, got ${String(value)}`,
    { detail: { name } },
  );
}

/** Checks a duration in ms: a number >= 0, `Infinity` allowed. */
export function checkDuration(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalid(name, value, 'must be a number of ms >= 0');
  }
  return value;
}

/** Validates the options and fills in the defaults. */
export function resolveOptions(options: MemoryCacheOptions): ResolvedOptions {
  const { weightLimit } = options;
  if (!(Number.isFinite(weightLimit) && weightLimit > 0)) {
    throw invalid('weightLimit', weightLimit, 'must be a positive number');
  }
  const onLockTimeout = options.onLockTimeout ?? DEFAULTS.onLockTimeout;
  if (onLockTimeout !== 'error' && onLockTimeout !== 'load') {
    throw invalid('onLockTimeout', onLockTimeout, "must be 'error' or 'load'");
  }
  return {
    weightLimit,
    estimatedSize: options.estimatedSize,
    defaultTtlMs: checkDuration('defaultTtlMs', options.defaultTtlMs ?? DEFAULTS.defaultTtlMs),
    staleWindowMs: checkDuration('staleWindowMs', options.staleWindowMs ?? DEFAULTS.staleWindowMs),
    lockTimeoutMs: checkDuration('lockTimeoutMs', options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs),
    onLockTimeout,
    clock: options.clock ?? DEFAULTS.clock,
    timers: options.timers ?? DEFAULTS.timers,
  };
}
