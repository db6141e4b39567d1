import { peerKey } from '@pingora-ts/pool';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HttpPeer,
  type HttpPeerTls,
  httpPeerKey,
  PeerKeyCache,
  peerKeyAddress,
} from '../src/index.js';

/** The key without httpPeerKey's address cache: what it must always answer for a plain peer. */
const uncached = (host: string, port: number) =>
  peerKey({ host, port, protocol: 'http/1.1', unix: undefined });

/** The uncached key of a TLS peer without CA or certificate. */
const uncachedTls = (host: string, port: number, tls: HttpPeerTls) =>
  peerKey({
    host,
    port,
    protocol: 'http/1.1',
    unix: undefined,
    tls: {
      sni: tls.sni,
      verify: tls.verify ?? true,
      alpn: ['http/1.1'],
      expectedName: tls.expectedName,
      caFingerprint: undefined,
      certFingerprint: undefined,
    },
  });

describe('httpPeerKey', () => {
  it('answers plain peers from its address cache with the same key as the full encoding', () => {
    // More distinct addresses than the cache holds, twice over, so it is cleared on the way and
    // refilled: every answer, first or cached, equals the uncached key.
    for (let round = 0; round < 2; round++) {
      for (let port = 1; port <= 5000; port++) {
        const host = `backend-${port % 7}.example`;
        expect(httpPeerKey({ host, port })).toBe(uncached(host, port));
      }
    }
  });

  it('is the same for a fresh object with the same address, whatever the host case or timeouts', () => {
    const a = httpPeerKey({ host: 'Origin.Example', port: 8080 });
    expect(httpPeerKey({ host: 'origin.example', port: 8080, readTimeoutMs: 5 })).toBe(a);
    expect(httpPeerKey({ host: 'origin.example', port: 8081 })).not.toBe(a);
  });

  it('keeps TLS and Unix-socket peers apart from the plain peer of the same address', () => {
    const plain = httpPeerKey({ host: 'origin.example', port: 443 });
    const tls = httpPeerKey({ host: 'origin.example', port: 443, tls: { sni: 'origin.example' } });
    const unix = httpPeerKey({ host: 'origin.example', port: 443, unixPath: '/tmp/origin.sock' });
    expect(new Set([plain, tls, unix]).size).toBe(3);
  });

  it('rejects an invalid address every time, caching nothing for it', () => {
    expect(() => httpPeerKey({ host: '', port: 80 })).toThrow(TypeError);
    expect(() => httpPeerKey({ host: '', port: 80 })).toThrow(TypeError);
    expect(() => httpPeerKey({ host: 'a', port: 70_000 })).toThrow(RangeError);
  });

  it('answers TLS peers without a CA or certificate from the cache, keeping every name apart', () => {
    const variants: HttpPeerTls[] = [
      {},
      { sni: '' },
      { sni: 'a.example' },
      { sni: 'A.example' },
      { sni: 'b.example' },
      { verify: false },
      { verify: true },
      { sni: 'a.example', expectedName: 'x.example' },
      { expectedName: 'a.example' },
    ];
    for (let round = 0; round < 2; round++) {
      for (const tls of variants) {
        expect(httpPeerKey({ host: 'origin.example', port: 443, tls: { ...tls } })).toBe(
          uncachedTls('origin.example', 443, tls),
        );
      }
    }
    // Distinct where the full encoding is distinct ({} and { verify: true } are one peer, and
    // so are the two cases of a.example).
    const keys = new Set(variants.map((tls) => httpPeerKey({ host: 'h', port: 1, tls })));
    expect(keys.size).toBe(variants.length - 2);
  });

  it('computes the key every time for peers with their own CA or certificate', () => {
    const tls = { sni: 'a.example', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n' };
    expect(peerKeyAddress({ host: 'h', port: 1, tls })).toBeUndefined();
    expect(peerKeyAddress({ host: 'h', port: 1, unixPath: '/tmp/s' })).toBeUndefined();
    expect(httpPeerKey({ host: 'h', port: 1, tls })).not.toBe(
      httpPeerKey({ host: 'h', port: 1, tls: { sni: 'a.example' } }),
    );
  });

  it('a small cache answers any sequence of peers as the uncached encoding does (property)', () => {
    const compute = (peer: HttpPeer) =>
      peerKey({
        host: peer.host,
        port: peer.port,
        protocol: 'http/1.1',
        unix: peer.unixPath,
        tls: peer.tls === undefined ? undefined : { sni: peer.tls.sni, verify: true },
      });
    const peer = fc.record(
      {
        host: fc.constantFrom('a.example', 'A.example', 'b.example', '', '::1'),
        port: fc.constantFrom(80, 443, 8080, 70_000),
        tls: fc.constantFrom(undefined, { sni: 'a.example' }, { sni: 'b.example' }),
        unixPath: fc.constantFrom(undefined, '/tmp/s'),
      },
      { requiredKeys: ['host', 'port'] },
    );
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch (error) {
        return (error as Error).constructor.name;
      }
    };
    fc.assert(
      fc.property(
        fc.array(peer, { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        (peers, max) => {
          const cache = new PeerKeyCache(compute, max);
          for (const p of peers)
            expect(outcome(() => cache.get(p))).toBe(outcome(() => compute(p)));
        },
      ),
    );
  });
});
