import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCertificate,
  createCertificateAuthority,
  daysUntilExpiry,
  inspectCertificate,
  matchesServerName,
} from '../src/index.js';

describe('certificate tooling', () => {
  const ca = createCertificateAuthority({ commonName: 'Test CA' });

  it('makes a CA and a leaf it signs, with the SANs and validity asked for', () => {
    const leaf = createCertificate(ca, {
      dnsNames: ['a.test', '*.b.test'],
      ips: ['127.0.0.1', '::1'],
      validityDays: 30,
    });
    const info = inspectCertificate(leaf.cert);
    expect(info.subject).toBe('CN=a.test');
    expect(info.issuer).toBe('CN=Test CA');
    expect(info.dnsNames).toEqual(['a.test', '*.b.test']);
    expect(info.ips).toEqual(['127.0.0.1', '0:0:0:0:0:0:0:1']);
    expect(info.isCa).toBe(false);
    expect(daysUntilExpiry(info)).toBeGreaterThan(29.9);
    expect(daysUntilExpiry(info)).toBeLessThan(30.1);
    expect(inspectCertificate(ca.cert).isCa).toBe(true);
    // OpenSSL itself checks the signature and that the key matches.
    const x = new X509Certificate(leaf.cert);
    expect(x.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
    expect(x.checkHost('x.b.test')).toBe('*.b.test');
    expect(x.checkHost('b.test')).toBeUndefined();
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('rejects a leaf with no name, or a bad IP', () => {
    expect(() => createCertificate(ca, {})).toThrow(TypeError);
    expect(() => createCertificate(ca, { ips: ['not-an-ip'] })).toThrow(/not an IP/);
  });

  it('matches server names as RFC 6125 says', () => {
    expect(matchesServerName('a.test', 'A.TEST')).toBe(true);
    expect(matchesServerName('*.b.test', 'x.b.test')).toBe(true);
    expect(matchesServerName('*.b.test', 'b.test')).toBe(false);
    expect(matchesServerName('*.b.test', 'y.x.b.test')).toBe(false);
    expect(matchesServerName('*.b.test', '.b.test')).toBe(false);
  });
});
