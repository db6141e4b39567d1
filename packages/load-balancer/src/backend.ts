import { isIPv6 } from 'node:net';

/** Largest weight a backend may carry; a guard against typos (nginx has no bound). */
export const MAX_WEIGHT = 10_000;

/** Free-form, read-only facts about a backend (a zone, an SRV priority, a tag). */
export type BackendMetadata = Readonly<Record<string, unknown>>;

/**
 * One upstream server: where it is, how much traffic it should get relative to its peers, and
 * anything discovery learned about it.
 *
 * `addr` is the canonical `host:port` (`[v6]:port` for IPv6), the key under which health, load
 * and the consistent-hash ring know the backend. Instances are immutable.
 *
 * @example
 * ```ts
 * const b = Backend.parse('[::1]:8443', 2, { zone: 'a' });
 * b.host; // '::1'
 * b.addr; // '[::1]:8443'
 * ```
 */
export class Backend {
  /** Host name or IP address, without brackets. */
  readonly host: string;
  /** TCP port, 1..65535. */
  readonly port: number;
  /** Relative weight, a positive integer (default 1). */
  readonly weight: number;
  /** Facts from discovery; frozen. */
  readonly metadata: BackendMetadata;
  /** `host:port`, or `[host]:port` for IPv6: the backend's identity. */
  readonly addr: string;

  /**
   * @throws TypeError when `host` is empty; RangeError when `port` is not an integer in
   *   1..65535 or `weight` not an integer in 1..{@link MAX_WEIGHT}.
   */
  constructor(host: string, port: number, weight = 1, metadata: BackendMetadata = {}) {
    if (typeof host !== 'string' || host.length === 0) {
      throw new TypeError('backend host must be a non-empty string');
    }
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new RangeError(`backend port must be an integer in 1..65535, got ${port}`);
    }
    if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT) {
      throw new RangeError(`backend weight must be an integer in 1..${MAX_WEIGHT}, got ${weight}`);
    }
    this.host = bare;
    this.port = port;
    this.weight = weight;
    this.metadata = Object.freeze({ ...metadata });
    this.addr = isIPv6(bare) ? `[${bare}]:${port}` : `${bare}:${port}`;
  }

  /**
   * Parses `host:port` or `[v6]:port`.
   *
   * @throws TypeError when the address has no port; RangeError as the constructor.
   */
  static parse(addr: string, weight = 1, metadata: BackendMetadata = {}): Backend {
    const { host, port } = splitHostPort(addr);
    return new Backend(host, port, weight, metadata);
  }

  /** Whether `other` is the same server with the same weight and metadata. */
  equals(other: Backend): boolean {
    return (
      this.addr === other.addr &&
      this.weight === other.weight &&
      sameMetadata(this.metadata, other.metadata)
    );
  }

  /** The canonical address. */
  toString(): string {
    return this.addr;
  }
}

function splitHostPort(addr: string): { host: string; port: number } {
  if (typeof addr !== 'string') throw new TypeError('backend address must be a string');
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']:');
    if (close < 0) throw new TypeError(`backend address ${JSON.stringify(addr)} needs [v6]:port`);
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    // A bare IPv6 address has several colons and no port to split off.
    if (colon < 0 || addr.indexOf(':') !== colon) {
      throw new TypeError(`backend address ${JSON.stringify(addr)} needs host:port`);
    }
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portText)) {
    throw new RangeError(`backend address ${JSON.stringify(addr)} has an invalid port`);
  }
  return { host, port: Number(portText) };
}

function sameMetadata(a: BackendMetadata, b: BackendMetadata): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    const x = a[key];
    const y = b[key];
    if (x !== y && JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}
