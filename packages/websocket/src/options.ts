import type { TimerWheel } from '@pingora-ts/timeout';
import { checkDeflateOptions, type PerMessageDeflateOptions } from './permessage-deflate.js';

/** Options of a WebSocket connection, either side; every default is in {@link WEBSOCKET_DEFAULTS}. */
export interface WebSocketOptions {
  /** Largest frame payload accepted, bytes (close 1009 beyond). */
  maxFrameBytes?: number;
  /** Largest message accepted after reassembly and inflation, bytes (close 1009 beyond). */
  maxMessageBytes?: number;
  /** Send a ping after this long without receiving anything, ms; 0 turns keepalive off. */
  pingIntervalMs?: number;
  /** Drop the connection (1006) when nothing comes back this long after a ping, ms. */
  pongTimeoutMs?: number;
  /** After sending a close frame, wait this long for the peer's close before dropping, ms. */
  closeTimeoutMs?: number;
  /** Messages received but not yet read before the socket is paused (TCP backpressure). */
  maxQueuedMessages?: number;
  /** Send messages larger than this many bytes as several frames; 0 (the default) never splits. */
  fragmentSize?: number;
  /**
   * permessage-deflate (RFC 7692): `true` for the defaults, options to tune it, `false` (the
   * default) to neither offer nor accept it.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** The wheel the keepalive and close deadlines run on (inject one for exact tests). */
  wheel?: TimerWheel;
}

/** Defaults of {@link WebSocketOptions}. */
export const WEBSOCKET_DEFAULTS = {
  maxFrameBytes: 64 * 1024 * 1024,
  maxMessageBytes: 64 * 1024 * 1024,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  closeTimeoutMs: 5_000,
  maxQueuedMessages: 64,
  fragmentSize: 0,
  perMessageDeflate: false,
} as const;

/** Options with every default filled in. */
export interface ResolvedOptions {
  maxFrameBytes: number;
  maxMessageBytes: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  closeTimeoutMs: number;
  maxQueuedMessages: number;
  fragmentSize: number;
  perMessageDeflate: PerMessageDeflateOptions | undefined;
  wheel: TimerWheel | undefined;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
  return value;
}

/** Fills in defaults and checks values (API misuse is a RangeError). */
export function resolveOptions(options: WebSocketOptions = {}): ResolvedOptions {
  const d = options.perMessageDeflate ?? WEBSOCKET_DEFAULTS.perMessageDeflate;
  const deflate = d === false ? undefined : d === true ? {} : d;
  if (deflate !== undefined) checkDeflateOptions(deflate);
  const maxQueued = options.maxQueuedMessages ?? WEBSOCKET_DEFAULTS.maxQueuedMessages;
  if (!Number.isInteger(maxQueued) || maxQueued < 1) {
    throw new RangeError(`maxQueuedMessages must be a positive integer, got ${maxQueued}`);
  }
  return {
    maxFrameBytes: nonNegative(
      'maxFrameBytes',
      options.maxFrameBytes ?? WEBSOCKET_DEFAULTS.maxFrameBytes,
    ),
    maxMessageBytes: nonNegative(
      'maxMessageBytes',
      options.maxMessageBytes ?? WEBSOCKET_DEFAULTS.maxMessageBytes,
    ),
    pingIntervalMs: nonNegative(
      'pingIntervalMs',
      options.pingIntervalMs ?? WEBSOCKET_DEFAULTS.pingIntervalMs,
    ),
    pongTimeoutMs: nonNegative(
      'pongTimeoutMs',
      options.pongTimeoutMs ?? WEBSOCKET_DEFAULTS.pongTimeoutMs,
    ),
    closeTimeoutMs: nonNegative(
      'closeTimeoutMs',
      options.closeTimeoutMs ?? WEBSOCKET_DEFAULTS.closeTimeoutMs,
    ),
    maxQueuedMessages: maxQueued,
    fragmentSize: Math.floor(
      nonNegative('fragmentSize', options.fragmentSize ?? WEBSOCKET_DEFAULTS.fragmentSize),
    ),
    perMessageDeflate: deflate,
    wheel: options.wheel,
  };
}
