import { Deflate, type DeflateOptions, Inflate } from 'fflate';
import { type ExtensionOffer, formatExtension } from './extension-header.js';

/** The extension's registered name (RFC 7692 7). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What a side offers or accepts for permessage-deflate (RFC 7692 7.1). */
export interface PerMessageDeflateOptions {
  /** Messages smaller than this many bytes are sent uncompressed. */
  threshold?: number;
  /** Compression level 1 (fastest) to 9 (smallest); 0 stores. */
  level?: number;
  /** fflate memory level 0-12: a hash table of 2^(12 + memLevel) entries per compressor. */
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
  level: 6,
  memLevel: 4,
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

type Role = 'server' | 'client';

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
  if (mem !== undefined && (!Number.isInteger(mem) || mem < 0 || mem > 12)) {
    throw new RangeError(`memLevel must be an integer in 0..12, got ${mem}`);
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

// RFC 7692 7.2.1: a sync flush ends with an empty stored block, whose last 4 bytes are
// removed before sending and appended again before inflating.
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** Input bytes pushed into a compressor at a time (see `compress`). */
const DEFLATE_SLICE = 64 * 1024;
/** Input bytes pushed into the inflater at a time, so the output limit is checked often. */
const INFLATE_SLICE = 16 * 1024;

/**
 * Compression and decompression of one side of a permessage-deflate connection, on fflate's
 * synchronous streaming DEFLATE. With context takeover one compressor (and one inflater)
 * lives as long as the connection; without it, or with a window smaller than fflate's 32 KiB,
 * every message (every window-sized slice of it) is compressed by a fresh compressor, so no
 * back-reference ever reaches further than the agreed window (RFC 7692 7.1.2).
 */
export class DeflateCodec {
  /** Messages below this size are sent uncompressed. */
  readonly threshold: number;
  private readonly deflateOptions: DeflateOptions;
  private readonly ownNoTakeover: boolean;
  private readonly ownWindow: number;
  private readonly peerNoTakeover: boolean;
  private readonly maxBytes: number;
  private deflater: Deflate | undefined;
  private inflater: Inflate | undefined;
  private readonly out: Uint8Array[] = [];
  private outBytes = 0;
  private readonly collect = (chunk: Uint8Array): void => {
    if (chunk.length === 0) return;
    this.out.push(chunk);
    this.outBytes += chunk.length;
  };

  constructor(
    role: Role,
    params: DeflateParams,
    options: PerMessageDeflateOptions,
    maxMessageBytes: number,
  ) {
    this.threshold = options.threshold ?? DEFLATE_DEFAULTS.threshold;
    this.deflateOptions = {
      level: (options.level ?? DEFLATE_DEFAULTS.level) as DeflateOptions['level'],
      mem: (options.memLevel ?? DEFLATE_DEFAULTS.memLevel) as DeflateOptions['mem'],
    };
    const isServer = role === 'server';
    this.ownNoTakeover = isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.ownWindow = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.peerNoTakeover = isServer
      ? params.clientNoContextTakeover
      : params.serverNoContextTakeover;
    this.maxBytes = maxMessageBytes;
  }

  /** The compressed payload of one message (without the 00 00 ff ff tail). */
  compress(data: Uint8Array): Buffer {
    // An empty message is an empty stored block, 00 (00 00 ff ff removed). Flushing fflate
    // with nothing new moves its hashing position back each time, which later produced
    // distances past the window (found by the property test).
    if (data.length === 0) return Buffer.from([0x00]);
    this.out.length = 0;
    this.outBytes = 0;
    if (!this.ownNoTakeover && this.ownWindow === 15) {
      this.deflater ??= new Deflate(this.deflateOptions, this.collect);
      this.pushAll(this.deflater, data, 0, data.length);
      this.syncFlush(this.deflater);
    } else {
      // A fresh compressor per window-sized slice: no reference crosses a slice boundary.
      const slice = 1 << this.ownWindow;
      let from = 0;
      do {
        const d = new Deflate(this.deflateOptions, this.collect);
        const end = Math.min(from + slice, data.length);
        this.pushAll(d, data, from, end);
        this.syncFlush(d);
        from = end;
      } while (from < data.length);
    }
    const first = this.out[0]!;
    const all =
      this.out.length === 1
        ? Buffer.from(first.buffer, first.byteOffset, first.length)
        : Buffer.concat(this.out, this.outBytes);
    this.out.length = 0;
    this.outBytes = 0;
    return all.subarray(0, all.length - TAIL.length);
  }

  private pushAll(deflater: Deflate, data: Uint8Array, from: number, end: number): void {
    // fflate's buffer is sized for pushes of at most 64 KiB.
    for (let at = from; at < end; at += DEFLATE_SLICE) {
      deflater.push(data.subarray(at, Math.min(at + DEFLATE_SLICE, end)), false);
    }
  }

  /**
   * A sync flush: everything pushed so far, then an empty stored block (RFC 7692 7.2.1).
   * fflate 0.8.3's `flush(true)` writes that block's LEN/NLEN at the wrong offset when bits of
   * a partial byte are pending (it passes its packed state where the bit offset belongs), so
   * the block is written here instead: fflate's state `r` packs the pending bit count (low 3
   * bits) and the partial byte (above them). The 3 header bits are zeros (not final, stored);
   * they spill into a second byte when more than 5 bits are pending; then LEN/NLEN 00 00 ff ff.
   */
  private syncFlush(deflater: Deflate): void {
    deflater.flush(false);
    const state = (deflater as unknown as { s: { r?: number } }).s;
    const r = state.r ?? 0;
    const aligned = (r & 7) + 3 <= 8 ? 1 : 2;
    const block = new Uint8Array(aligned + TAIL.length);
    block[0] = r >> 3;
    block.set(TAIL, aligned);
    state.r = 0;
    this.collect(block);
  }

  /** Starts inflating a new message. */
  beginMessage(): void {
    this.out.length = 0;
    this.outBytes = 0;
    if (this.peerNoTakeover || this.inflater === undefined) {
      this.inflater = new Inflate(this.collect);
    }
  }

  /**
   * Inflates the next compressed fragment. Returns false as soon as the output passes the
   * message limit (a small frame can inflate to a thousand times its size). Throws on data
   * that is not DEFLATE.
   */
  push(fragment: Uint8Array): boolean {
    const inflater = this.inflater!;
    for (let from = 0; from < fragment.length; from += INFLATE_SLICE) {
      inflater.push(fragment.subarray(from, from + INFLATE_SLICE), false);
      if (this.outBytes > this.maxBytes) return false;
    }
    return true;
  }

  /** Ends the message: the inflated bytes, or `null` past the message limit. */
  endMessage(): Buffer | null {
    const inflater = this.inflater!;
    inflater.push(TAIL, false);
    // RFC 7692 7.2.3.3 lets a sender end a message with a BFINAL block; the stream is over
    // then and the next message needs a fresh inflater. fflate keeps that flag in its state.
    if ((inflater as unknown as { s: { f?: number } }).s.f) this.inflater = undefined;
    if (this.outBytes > this.maxBytes) return null;
    const out = this.out;
    const data =
      out.length === 1
        ? Buffer.from(out[0]!.buffer, out[0]!.byteOffset, out[0]!.length)
        : Buffer.concat(out, this.outBytes);
    out.length = 0;
    this.outBytes = 0;
    return data;
  }

  /** The inflated bytes so far of the current message, for incremental UTF-8 checks. */
  get pending(): readonly Uint8Array[] {
    return this.out;
  }
}
