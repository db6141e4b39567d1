import type { ServerConfig } from './config.js';

/** What the master tells a worker at start (in the `PINGORA_TS_WORKER` environment variable). */
export interface WorkerSpec {
  /** The validated configuration. */
  readonly config: ServerConfig;
  /** Keys of the listeners the master accepts on and passes sockets of. */
  readonly passedIn: readonly string[];
  /** Worker slot, 0-based. */
  readonly slot: number;
  /** Generation: 1 at start, +1 per restart. */
  readonly generation: number;
}

/** The environment variable that carries a {@link WorkerSpec}. */
export const WORKER_ENV = 'PINGORA_TS_WORKER';

/**
 * Session-ticket keys (48 bytes, hex) the master gives every worker, so that a TLS client
 * resumes its session on whichever worker the kernel hands its next connection to.
 */
export const TICKET_KEYS_ENV = 'PINGORA_TS_TLS_TICKET_KEYS';

/**
 * Master to worker. `connection` comes with the accepted socket as handle. A generation is
 * retired in two steps: all its workers `stop-accepting` first, and only once all have,
 * `shutdown` (drain): otherwise the clients one worker sends away with `Connection: close`
 * could reconnect into the accept queue of a sibling that is about to close its listener,
 * and the kernel resets what is queued on a closing SO_REUSEPORT listener.
 */
export type ToWorker =
  | { readonly type: 'connection'; readonly key: string }
  | { readonly type: 'stop-accepting' }
  | { readonly type: 'shutdown'; readonly graceMs: number; readonly hookTimeoutMs: number };

/** Worker to master. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'stopped-accepting' }
  | { readonly type: 'fatal'; readonly message: string };

/** Narrows an IPC message from a worker. */
export function isFromWorker(value: unknown): value is FromWorker {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'stopped-accepting' || type === 'fatal';
}

/** Narrows an IPC message from the master. */
export function isToWorker(value: unknown): value is ToWorker {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'connection' || type === 'stop-accepting' || type === 'shutdown';
}
