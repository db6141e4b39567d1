import { type ExtensionOffer, formatExtension } from './extension-header.js';

/** The extension's registered name (RFC 7692 7). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What a side offers or accepts for permessage-deflate (RFC 7692 7.1). */
export interface PerMessageDeflateOptions {
  /** Messages smaller than this many bytes are sent uncompressed. */
  threshold?: number;
  /**
   * Who compresses outgoing messages:
   * - `zlib` (default): node:zlib one-shot on the event loop, each message on its own (any
   *   peer accepts that: a sender never has to refer back). The least CPU per message.
   * - `zlib-stream`: one node:zlib stream per connection on libuv's thread pool, with context
   *   takeover when agreed (as the `ws` package does): better ratio on similar messages, and
   *   high levels leave the event loop free; a little more overhead per message.
   * - `fflate`: one fflate compressor per connection with context takeover, on the event loop
   *   (two to three times zlib's CPU on 16 KiB, measured). Windows of 8 bits, which zlib's raw
   *   deflate does not offer, always use fflate.
   * Incoming messages are inflated by node:zlib either way.
   */
  compressor?: 'zlib' | 'zlib-stream' | 'fflate';
  /** Compression level 1 (fastest) to 9 (smallest); 0 stores. */
  level?: number;
  /** zlib memory level 1-9 (the `zlib` compressor's hash table size). */
  memLevel?: number;
  /** Ask (client) or decide (server) that the server compresses each message alone. */
  serverNoContextTakeover?: boolean;
  /** Ask (client) or decide (server) that the client compresses each message alone. */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window (8-15 bits) the server may use; 15 when not limited. */
  serverMaxWindowBits?: number;
  /** Largest LZ77 window (8-15 bits) the client may use; 15 when not limited. */
  clientMaxWindowBits?: number;
}

/** Defaults of {@link PerMessageDeflateOptions}. */
export const DEFLATE_DEFAULTS = {
  // The same cut as the `ws` package: below 1 KiB, compression rarely pays for its time.
  threshold: 1024,
  compressor: 'zlib',
  // Level 1: on 16 KiB of JSON, 3.8 KB instead of level 6's 2.9 KB, for a quarter of the CPU
  // (measured with node:zlib on the benchmark's payload); raise it when bandwidth costs more.
  level: 1,
  memLevel: 8,
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
} as const;

/** The parameters both sides agreed on in the handshake. */
export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
  readonly clientMaxWindowBits: number;
}

function windowBits(value: string | true | undefined): number | undefined {
  if (typeof value !== 'string' || !/^[0-9]{1,2}$/.test(value)) return undefined;
  const bits = Number(value);
  return bits >= 8 && bits <= 15 ? bits : undefined;
}

function checkBits(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 8 || value > 15)) {
    throw new RangeError(`${name} must be an integer in 8..15, got ${value}`);
  }
}

/** Validates options at the edge (API misuse is a RangeError). */
export function checkDeflateOptions(options: PerMessageDeflateOptions): void {
  checkBits('serverMaxWindowBits', options.serverMaxWindowBits);
  checkBits('clientMaxWindowBits', options.clientMaxWindowBits);
  const level = options.level;
  if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 9)) {
    throw new RangeError(`level must be an integer in 0..9, got ${level}`);
  }
  const mem = options.memLevel;
  if (mem !== undefined && (!Number.isInteger(mem) || mem < 1 || mem > 9)) {
    throw new RangeError(`memLevel must be an integer in 1..9, got ${mem}`);
  }
  const c = options.compressor;
  if (c !== undefined && c !== 'zlib' && c !== 'zlib-stream' && c !== 'fflate') {
    throw new RangeError(`compressor must be 'zlib', 'zlib-stream' or 'fflate', got ${String(c)}`);
  }
  const t = options.threshold;
  if (t !== undefined && (!Number.isInteger(t) || t < 0)) {
    throw new RangeError(`threshold must be a non-negative integer, got ${t}`);
  }
}

/**
 * Server side of the negotiation (RFC 7692 7.1): takes the first permessage-deflate offer
 * whose parameters are all known, valid and not repeated, and answers it. Returns the agreed
 * parameters and the response's extension text, or `null` when no offer is acceptable (the
 * connection then runs without compression).
 */
export function acceptDeflateOffer(
  offers: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions,
): { params: DeflateParams; response: string } | null {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const seen = new Set<string>();
    let isValid = true;
    let serverNoTakeover = options.serverNoContextTakeover ?? false;
    let clientNoTakeover = options.clientNoContextTakeover ?? false;
    let serverBits: number | undefined = options.serverMaxWindowBits;
    let clientBits: number | undefined;
    let clientBitsOffered = false;
    for (const [key, value] of offer.params) {
      if (seen.has(key)) isValid = false;
      seen.add(key);
      if (key === 'server_no_context_takeover' && value === true) serverNoTakeover = true;
      else if (key === 'client_no_context_takeover' && value === true) clientNoTakeover = true;
      else if (key === 'server_max_window_bits') {
        const bits = windowBits(value);
        if (bits === undefined) isValid = false;
        else serverBits = Math.min(bits, serverBits ?? 15);
      } else if (key === 'client_max_window_bits') {
        clientBitsOffered = true;
        if (value !== true) {
          const bits = windowBits(value);
          if (bits === undefined) isValid = false;
          else clientBits = bits;
        }
      } else isValid = false;
    }
    if (!isValid) continue;
    // 7.1.2.2: the server may limit the client's window only when the client offered the
    // parameter; a limit of our own is then the smaller of both.
    if (clientBitsOffered && options.clientMaxWindowBits !== undefined) {
      clientBits = Math.min(clientBits ?? 15, options.clientMaxWindowBits);
    } else if (!clientBitsOffered) clientBits = undefined;
    const params: Array<readonly [string, string | true]> = [];
    if (serverNoTakeover) params.push(['server_no_context_takeover', true]);
    if (clientNoTakeover) params.push(['client_no_context_takeover', true]);
    if (serverBits !== undefined) params.push(['server_max_window_bits', String(serverBits)]);
    if (clientBits !== undefined) params.push(['client_max_window_bits', String(clientBits)]);
    return {
      params: {
        serverNoContextTakeover: serverNoTakeover,
        clientNoContextTakeover: clientNoTakeover,
        serverMaxWindowBits: serverBits ?? 15,
        clientMaxWindowBits: clientBits ?? 15,
      },
      response: formatExtension({ name: PERMESSAGE_DEFLATE, params }),
    };
  }
  return null;
}

/**
 * Client side: the offer to send. It includes `client_max_window_bits` (without a value) so a
 * server may limit our window; our compressor honours any limit.
 */
export function deflateOffer(options: PerMessageDeflateOptions): string {
  const params: Array<readonly [string, string | true]> = [];
  if (options.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (options.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (options.serverMaxWindowBits !== undefined) {
    params.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
  }
  params.push([
    'client_max_window_bits',
    options.clientMaxWindowBits === undefined ? true : String(options.clientMaxWindowBits),
  ]);
  return formatExtension({ name: PERMESSAGE_DEFLATE, params });
}

/**
 * Reads the server's permessage-deflate response (RFC 7692 7.1). With `options` (the client's
 * own offer) it also checks the answer against what was offered; the relay passes none, as it
 * only needs the agreed parameters. Returns a reason string when the response is invalid.
 */
export function readDeflateResponse(
  offer: ExtensionOffer,
  options?: PerMessageDeflateOptions,
): DeflateParams | string {
  const seen = new Set<string>();
  let serverNoTakeover = false;
  let clientNoTakeover = false;
  let serverBits = 15;
  let clientBits = 15;
  for (const [key, value] of offer.params) {
    if (seen.has(key)) return `duplicate parameter ${key}`;
    seen.add(key);
    if (key === 'server_no_context_takeover' && value === true) serverNoTakeover = true;
    else if (key === 'client_no_context_takeover' && value === true) clientNoTakeover = true;
    else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
      const bits = windowBits(value);
      if (bits === undefined) return `invalid ${key}`;
      if (key === 'server_max_window_bits') serverBits = bits;
      else clientBits = bits;
    } else return `unknown parameter ${key}`;
  }
  if (options !== undefined) {
    if (options.serverNoContextTakeover && !serverNoTakeover) {
      return 'server_no_context_takeover was asked for but not accepted';
    }
    if (
      options.serverMaxWindowBits !== undefined &&
      (!seen.has('server_max_window_bits') || serverBits > options.serverMaxWindowBits)
    ) {
      return 'server_max_window_bits above the one asked for';
    }
    if (options.clientMaxWindowBits !== undefined && clientBits > options.clientMaxWindowBits) {
      return 'client_max_window_bits above the one offered';
    }
  }
  return {
    serverNoContextTakeover: serverNoTakeover,
    clientNoContextTakeover: clientNoTakeover,
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  };
}
