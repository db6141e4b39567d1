import { createHash } from 'node:crypto';

/**
 * A value that may appear in a peer's options: whatever decides whether two connections are
 * interchangeable. Byte arrays (certificate fingerprints, session ids) are compared by content.
 */
export type PeerOptionValue =
  | string
  | number
  | boolean
  | bigint
  | null
  | undefined
  | Uint8Array
  | readonly PeerOptionValue[]
  | { readonly [name: string]: PeerOptionValue };

/**
 * The TLS side of a peer. Two connections to the same address are only interchangeable when
 * they were set up the same way: a connection verified for one SNI name, or with one client
 * certificate, must never be handed to a request that asked for another.
 */
export interface PeerTls {
  /** Server name sent in SNI (RFC 6066 section 3). Compared case-insensitively. */
  readonly sni?: string;
  /** Whether the server certificate was verified. */
  readonly verify?: boolean;
  /** Whether the certificate's names were checked against `sni`. */
  readonly verifyHostname?: boolean;
  /** ALPN protocols offered, in preference order (order matters: RFC 7301 section 3.1). */
  readonly alpn?: readonly string[];
  /** Fingerprint of the CA bundle used to verify the server. */
  readonly caFingerprint?: string;
  /** Fingerprint of the client certificate presented (mTLS). */
  readonly certFingerprint?: string;
  /** Anything else that changes the connection (minimum version, ciphers, ...). */
  readonly [option: string]: PeerOptionValue;
}

/** What identifies an upstream peer for connection reuse. */
export interface PeerDescriptor {
  /** Host name or IP address. Compared case-insensitively (DNS names are, RFC 4343). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** TLS options, absent for plain TCP. */
  readonly tls?: PeerTls;
  /** Application protocol spoken on the connection, e.g. `"http/1.1"` or `"h2"`. */
  readonly protocol?: string;
  /** Anything else that changes the connection (bind address, proxy, ...). */
  readonly [option: string]: PeerOptionValue | PeerTls;
}

/**
 * Appends a canonical, type-tagged encoding of `value` to `out`. Object keys are sorted so the
 * key does not depend on the order options were written in; `undefined` members are dropped so
 * `{ sni: undefined }` equals `{}`. Array order is kept (an ALPN list is a preference order).
 */
function encode(value: PeerOptionValue | PeerTls, out: string[]): void {
  if (value === null) {
    out.push('z');
  } else if (typeof value === 'string') {
    out.push('s', JSON.stringify(value));
  } else if (typeof value === 'number') {
    // -0 and 0 are the same port/option; NaN and infinities stay distinct but encodable.
    out.push('n', Object.is(value, -0) ? '0' : String(value), ';');
  } else if (typeof value === 'boolean') {
    out.push(value ? 't' : 'f');
  } else if (typeof value === 'bigint') {
    out.push('b', value.toString(), ';');
  } else if (value instanceof Uint8Array) {
    out.push(
      'x',
      Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'),
      ';',
    );
  } else if (Array.isArray(value)) {
    out.push('[');
    for (const item of value as readonly PeerOptionValue[]) encode(item, out);
    out.push(']');
  } else if (typeof value === 'object') {
    const record = value as { readonly [name: string]: PeerOptionValue };
    out.push('{');
    for (const name of Object.keys(record).sort()) {
      const member = record[name];
      if (member === undefined) continue;
      out.push(JSON.stringify(name), ':');
      encode(member, out);
    }
    out.push('}');
  } else {
    throw new TypeError(`peerKey: cannot encode a ${typeof value} option`);
  }
}

/** Lower-cases the fields that DNS and SNI compare case-insensitively. */
function normalise(peer: PeerDescriptor): PeerDescriptor {
  const tls = peer.tls;
  const sni = tls?.sni;
  return {
    ...peer,
    host: peer.host.toLowerCase(),
    ...(tls === undefined
      ? {}
      : { tls: sni === undefined ? tls : { ...tls, sni: sni.toLowerCase() } }),
  };
}

/**
 * A stable key for a peer: 32 hex digits (the first 128 bits of SHA-256 over a canonical
 * encoding of the address, TLS options and protocol). Equal for descriptors that differ only
 * in the order their options were written, in `undefined` members or in host/SNI case; different
 * whenever any option differs, so a connection is never reused for a peer it was not made for.
 * A cryptographic hash rather than FNV: a collision would hand one peer's connection to another.
 *
 * @example
 * ```ts
 * const a = peerKey({ host: '127.0.0.1', port: 443, tls: { sni: 'example.com', alpn: ['h2'] } });
 * const b = peerKey({ tls: { alpn: ['h2'], sni: 'EXAMPLE.com' }, port: 443, host: '127.0.0.1' });
 * a === b; // true
 * ```
 */
export function peerKey(peer: PeerDescriptor): string {
  if (typeof peer.host !== 'string' || peer.host.length === 0) {
    throw new TypeError('peerKey: host must be a non-empty string');
  }
  if (!Number.isInteger(peer.port) || peer.port < 0 || peer.port > 65535) {
    throw new RangeError(`peerKey: port must be an integer in 0..65535, got ${peer.port}`);
  }
  const out: string[] = [];
  encode(normalise(peer), out);
  return createHash('sha256').update(out.join('')).digest('hex').slice(0, 32);
}
