import { httpPeerKey } from '@pingora-ts/http-client';
import { peerKey } from '@pingora-ts/pool';
import { describe, expect, it } from 'vitest';
import { h2PeerKey } from '../src/index.js';

describe('h2PeerKey', () => {
  it('answers plain peers from its address cache with the same key as the full encoding', () => {
    // More addresses than the cache holds, twice: it is cleared and refilled on the way.
    for (let round = 0; round < 2; round++) {
      for (let port = 1; port <= 5000; port++) {
        const host = `Backend-${port % 5}.example`;
        expect(h2PeerKey({ host, port })).toBe(
          peerKey({ host, port, protocol: 'h2', unix: undefined }),
        );
      }
    }
  });

  it('differs from the HTTP/1.1 key of the same address, and between addresses', () => {
    const h2 = h2PeerKey({ host: 'origin.example', port: 8443 });
    expect(h2).not.toBe(httpPeerKey({ host: 'origin.example', port: 8443 }));
    expect(h2).not.toBe(h2PeerKey({ host: 'origin.example', port: 8444 }));
    expect(h2PeerKey({ host: 'ORIGIN.example', port: 8443, readTimeoutMs: 1 })).toBe(h2);
    expect(h2PeerKey({ host: 'origin.example', port: 8443, tls: {} })).not.toBe(h2);
  });

  it('caches TLS peers without a CA or certificate under keys of their own', () => {
    const tls = { sni: 'origin.example' };
    const full = peerKey({
      host: 'origin.example',
      port: 443,
      protocol: 'h2',
      unix: undefined,
      tls: {
        sni: 'origin.example',
        verify: true,
        alpn: ['h2'],
        expectedName: undefined,
        caFingerprint: undefined,
        certFingerprint: undefined,
      },
    });
    for (let i = 0; i < 2; i++)
      expect(h2PeerKey({ host: 'origin.example', port: 443, tls })).toBe(full);
    expect(
      h2PeerKey({ host: 'origin.example', port: 443, tls: { sni: 'other.example' } }),
    ).not.toBe(full);
    expect(httpPeerKey({ host: 'origin.example', port: 443, tls })).not.toBe(full);
  });
});
