import { createHash } from 'node:crypto';
import type { RequestHeader } from '@pingora-ts/http-parser';
import { type ExtensionOffer, parseExtensions } from './extension-header.js';

/** The GUID of RFC 6455 1.3, appended to the client's key to compute the accept value. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 4.2.2: base64 of SHA-1(key + GUID)). */
export function computeAccept(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/** The only protocol version of RFC 6455 (4.1). */
export const WEBSOCKET_VERSION = '13';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BASE64_16 = /^[A-Za-z0-9+/]{22}==$/;

/** A valid opening handshake request (RFC 6455 4.2.1). */
export interface UpgradeRequest {
  readonly ok: true;
  /** `Sec-WebSocket-Key`. */
  readonly key: string;
  /** Subprotocols the client offered, in its order of preference. */
  readonly protocols: readonly string[];
  /** Extensions the client offered, in order. */
  readonly extensions: readonly ExtensionOffer[];
}

/** An opening handshake to refuse, with the status to answer and why. */
export interface UpgradeRefusal {
  readonly ok: false;
  /** 400, 405 for a method other than GET, 426 for another protocol version (RFC 6455 4.4). */
  readonly status: number;
  readonly reason: string;
  /** Headers the refusal must carry (`Sec-WebSocket-Version: 13` with a 426). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

function hasToken(values: readonly string[], token: string): boolean {
  for (const value of values) {
    for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}

function refuse(
  status: number,
  reason: string,
  headers: Array<[string, string]> = [],
): UpgradeRefusal {
  return { ok: false, status, reason, headers };
}

/** Splits a comma-separated token list; `null` when an element is not a token. */
export function parseTokenList(values: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const t = part.trim();
      if (t === '') continue;
      if (!TOKEN.test(t)) return null;
      out.push(t);
    }
  }
  return out;
}

/**
 * Checks an opening handshake request (RFC 6455 4.2.1): GET, HTTP/1.1, a Host, `Upgrade:
 * websocket`, `Connection: Upgrade`, a `Sec-WebSocket-Key` that is 16 bytes in base64, and
 * version 13 (otherwise 426 with `Sec-WebSocket-Version: 13`, 4.4). Subprotocol and extension
 * lists must parse. Use it to decide before answering; `acceptWebSocket` calls it.
 */
export function checkUpgradeRequest(request: RequestHeader): UpgradeRequest | UpgradeRefusal {
  const h = request.headers;
  if (request.method !== 'GET') return refuse(405, 'the opening handshake must be a GET');
  if (request.version !== 'HTTP/1.1') return refuse(400, 'the opening handshake needs HTTP/1.1');
  if (!h.has('host')) return refuse(400, 'missing Host');
  if (!hasToken(h.getAll('upgrade'), 'websocket')) return refuse(400, 'Upgrade is not websocket');
  if (!hasToken(h.getAll('connection'), 'upgrade')) return refuse(400, 'Connection lacks upgrade');
  const keys = h.getAll('sec-websocket-key');
  const key = keys[0]?.trim();
  if (keys.length !== 1 || key === undefined || !BASE64_16.test(key)) {
    return refuse(400, 'Sec-WebSocket-Key is not 16 bytes in base64');
  }
  const versions = h.getAll('sec-websocket-version');
  if (versions.length !== 1 || versions[0]!.trim() !== WEBSOCKET_VERSION) {
    return refuse(426, 'unsupported WebSocket version', [
      ['Sec-WebSocket-Version', WEBSOCKET_VERSION],
    ]);
  }
  const protocols = parseTokenList(h.getAll('sec-websocket-protocol'));
  if (protocols === null) return refuse(400, 'invalid Sec-WebSocket-Protocol');
  const extensions = parseExtensions(h.getAll('sec-websocket-extensions'));
  if (extensions === null) return refuse(400, 'invalid Sec-WebSocket-Extensions');
  return { ok: true, key, protocols, extensions };
}
