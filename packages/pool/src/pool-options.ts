import { PingoraError } from '@pingora-ts/error';

/** Options of {@link ConnectionPool}. Every field has a default in {@link POOL_DEFAULTS}. */
export interface PoolOptions {
  /** Most idle connections across all peers; beyond it the least recently returned is closed. */
  maxIdle?: number;
  /** Most idle connections of one peer key; beyond it that key's oldest is closed. */
  maxIdlePerKey?: number;
  /** Idle timeout in ms for connections whose meta sets none. `0` or `Infinity`: none. */
  idleTimeoutMs?: number;
}

/**
 * Defaults of {@link PoolOptions}.
 *
 * - `maxIdle` 128: Pingora's `upstream_keepalive_pool_size` default.
 * - `maxIdlePerKey` 128: no per-key limit tighter than the global one unless asked for
 *   (Pingora has no per-key cap either; its hot queue of 16 overflows into a map).
 * - `idleTimeoutMs` 60 000: nginx's upstream `keepalive_timeout` default (60s), shorter than
 *   the usual server-side keep-alive so we, not the server, close first.
 */
export const POOL_DEFAULTS: Readonly<Required<PoolOptions>> = Object.freeze({
  maxIdle: 128,
  maxIdlePerKey: 128,
  idleTimeoutMs: 60_000,
});

function invalid(name: string, value: unknown, rule: string): PingoraError {
  return PingoraError.explain(
    'InvalidConfig',
    `pool option ${name} ${rule}, got ${String(value)}`,
    {
      detail: { name },
    },
  );
}

/** Checks a count option: an integer >= 0. */
function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw invalid(name, value, 'must be an integer >= 0');
  return value;
}

/** Checks an idle timeout: a number >= 0 (`0` and `Infinity` mean none). */
export function checkIdleTimeout(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalid(name, value, 'must be a number >= 0');
  }
  return value;
}

/** Options with defaults applied, validated. */
export function resolvePoolOptions(options: PoolOptions): Required<PoolOptions> {
  const maxIdle = count('maxIdle', options.maxIdle ?? POOL_DEFAULTS.maxIdle);
  return {
    maxIdle,
    maxIdlePerKey: count('maxIdlePerKey', options.maxIdlePerKey ?? POOL_DEFAULTS.maxIdlePerKey),
    idleTimeoutMs: checkIdleTimeout(
      'idleTimeoutMs',
      options.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    ),
  };
}
