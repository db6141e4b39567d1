import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCertificate,
  createCertificateAuthority,
  daysUntilExpiry,
  inspectCertificate,
  inspectCertificates,
  readCertificateFile,
} from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { pemFiles } from './openssl.js';

expectNoLeakedHandles();

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

  it('makes certificates that openssl verify accepts under -x509_strict, with the SANs asked for', () => {
    const leaf = createCertificate(ca, { dnsNames: ['strict.test'], ips: ['10.1.2.3'] });
    const files = pemFiles({ 'ca.pem': ca.cert, 'leaf.pem': leaf.cert });
    try {
      const openssl = (...args: string[]) =>
        execFileSync('openssl', args, { encoding: 'utf8', timeout: 10_000 });
      const verified = openssl(
        'verify',
        '-x509_strict',
        '-purpose',
        'sslserver',
        '-CAfile',
        files.path('ca.pem'),
        files.path('leaf.pem'),
      );
      expect(verified.trim()).toBe(`${files.path('leaf.pem')}: OK`);
      const text = openssl(
        'x509',
        '-noout',
        '-ext',
        'subjectAltName',
        '-in',
        files.path('leaf.pem'),
      );
      expect(text).toMatch(/DNS:strict\.test, IP Address:10\.1\.2\.3/);
    } finally {
      files.cleanup();
    }
  });

  it('reads every certificate of a PEM chain or file, skipping keys', () => {
    const leaf = createCertificate(ca, { dnsNames: ['chain.test'], validityDays: 5 });
    const chain = `${leaf.cert}${leaf.key}${ca.cert}`;
    expect(inspectCertificates(chain).map((c) => c.subject)).toEqual([
      'CN=chain.test',
      'CN=Test CA',
    ]);
    const files = pemFiles({ 'chain.pem': chain });
    try {
      const [first, second] = readCertificateFile(files.path('chain.pem'));
      expect(first!.dnsNames).toEqual(['chain.test']);
      expect(Math.round(daysUntilExpiry(first!))).toBe(5);
      expect(second!.isCa).toBe(true);
    } finally {
      files.cleanup();
    }
    expect(() => inspectCertificates(leaf.key)).toThrow(/no PEM certificate/);
  });

  it('rejects a leaf with no name, or a bad IP', () => {
    expect(() => createCertificate(ca, {})).toThrow(TypeError);
    expect(() => createCertificate(ca, { ips: ['not-an-ip'] })).toThrow(/not an IP/);
  });
});
