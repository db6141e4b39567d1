import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PeerDescriptor, peerKey } from '../src/index.js';

/** The same object with its keys in reverse order, recursively (arrays keep their order). */
function reordered<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reordered) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const entries = Object.entries(value as Record<string, unknown>).reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, reordered(v)])) as T;
}

const hexArb = fc.string({
  unit: fc.constantFrom(...'0123456789abcdef'),
  minLength: 8,
  maxLength: 16,
});
const tlsArb = fc.record(
  {
    sni: fc.domain(),
    verify: fc.boolean(),
    verifyHostname: fc.boolean(),
    alpn: fc.subarray(['h2', 'http/1.1', 'h3'], { minLength: 1 }),
    caFingerprint: hexArb,
    certFingerprint: hexArb,
  },
  { requiredKeys: [] },
);
const peerArb: fc.Arbitrary<PeerDescriptor> = fc.record(
  {
    host: fc.oneof(fc.ipV4(), fc.domain()),
    port: fc.integer({ min: 0, max: 65535 }),
    tls: tlsArb,
    protocol: fc.constantFrom('http/1.1', 'h2', 'h2c'),
  },
  { requiredKeys: ['host', 'port'] },
);

describe('peerKey', () => {
  it('is 32 hex digits, stable across calls, and independent of option order', () => {
    fc.assert(
      fc.property(peerArb, (peer) => {
        const key = peerKey(peer);
        expect(key).toMatch(/^[0-9a-f]{32}$/);
        expect(peerKey(peer)).toBe(key);
        expect(peerKey(reordered(peer))).toBe(key);
        expect(peerKey({ ...peer, extra: undefined })).toBe(key);
      }),
    );
  });

  it('differs when anything that matters differs', () => {
    fc.assert(
      fc.property(peerArb, peerArb, (a, b) => {
        const same =
          JSON.stringify(reordered(normalised(a))) === JSON.stringify(reordered(normalised(b)));
        fc.pre(!same);
        expect(peerKey(a)).not.toBe(peerKey(b));
      }),
    );
  });

  it('compares host and SNI case-insensitively but keeps ALPN order', () => {
    const base = {
      host: 'Origin.Example',
      port: 443,
      tls: { sni: 'API.example', alpn: ['h2', 'http/1.1'] },
    };
    expect(peerKey(base)).toBe(
      peerKey({
        port: 443,
        host: 'origin.example',
        tls: { alpn: ['h2', 'http/1.1'], sni: 'api.example' },
      }),
    );
    expect(peerKey(base)).not.toBe(
      peerKey({ ...base, tls: { ...base.tls, alpn: ['http/1.1', 'h2'] } }),
    );
    expect(peerKey(base)).not.toBe(peerKey({ ...base, tls: { ...base.tls, verify: false } }));
    expect(peerKey({ host: 'a', port: 80 })).not.toBe(peerKey({ host: 'a', port: 80, tls: {} }));
    // Types are part of the encoding: the string "1" is not the number 1.
    expect(peerKey({ host: 'a', port: 80, weight: 1 })).not.toBe(
      peerKey({ host: 'a', port: 80, weight: '1' }),
    );
    expect(peerKey({ host: 'a', port: 80, id: new Uint8Array([1, 2]) })).toBe(
      peerKey({ host: 'a', port: 80, id: Buffer.from([1, 2]) }),
    );
  });

  it('rejects a missing host or an out-of-range port', () => {
    expect(() => peerKey({ host: '', port: 80 })).toThrow(TypeError);
    expect(() => peerKey({ host: 'a', port: 65536 })).toThrow(RangeError);
    expect(() => peerKey({ host: 'a', port: 1.5 })).toThrow(RangeError);
  });
});

/** What peerKey treats as equal: lower-cased host and SNI, `undefined` members dropped. */
function normalised(peer: PeerDescriptor): unknown {
  const copy = JSON.parse(JSON.stringify(peer)) as { host: string; tls?: { sni?: string } };
  copy.host = copy.host.toLowerCase();
  if (copy.tls?.sni !== undefined) copy.tls.sni = copy.tls.sni.toLowerCase();
  return sortKeys(copy);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, sortKeys(record[k])]),
  );
}
