import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CertificateCliIo, inspectCertificate, runCertificateCli } from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { pemFiles } from './openssl.js';

expectNoLeakedHandles();

function capture(now = Date.now()): CertificateCliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), now: () => now };
}

describe('pingora-ts-cert', () => {
  it('creates a CA and a leaf that openssl verifies, then reuses the CA for another leaf', () => {
    const dir = pemFiles({});
    try {
      const io = capture();
      const args = ['--dns', 'localhost', '--dns', 'dev.test', '--ip', '127.0.0.1', '--days', '30'];
      expect(runCertificateCli(['create', '--out', dir.path('a'), ...args], io)).toBe(0);
      expect(io.stdout[0]).toBe(`wrote ${dir.path('a/cert.pem')} and ${dir.path('a/key.pem')}`);
      expect(statSync(dir.path('a/key.pem')).mode & 0o777).toBe(0o600);
      const verified = execFileSync(
        'openssl',
        ['verify', '-CAfile', dir.path('a/ca.pem'), dir.path('a/cert.pem')],
        { encoding: 'utf8', timeout: 10_000 },
      );
      expect(verified).toContain(': OK');

      const again = capture();
      const withCa = ['--ca-cert', dir.path('a/ca.pem'), '--ca-key', dir.path('a/ca-key.pem')];
      expect(
        runCertificateCli(['create', '--out', dir.path('b'), '--dns', 'b.test', ...withCa], again),
      ).toBe(0);
      expect(existsSync(dir.path('b/ca.pem'))).toBe(false);
      expect(inspectCertificate(readFileSync(dir.path('b/cert.pem'))).issuer).toBe(
        inspectCertificate(readFileSync(dir.path('a/ca.pem'))).subject,
      );
    } finally {
      dir.cleanup();
    }
  });

  it('inspects files: subject, SANs and expiry, warning within --warn-days and failing when expired', () => {
    const dir = pemFiles({});
    try {
      runCertificateCli(
        ['create', '--out', dir.dir, '--dns', 'localhost', '--ip', '::1', '--days', '10'],
        capture(),
      );
      const io = capture();
      expect(runCertificateCli(['inspect', dir.path('cert.pem')], io)).toBe(0);
      expect(io.stdout[0]).toBe(`${dir.path('cert.pem')}:`);
      expect(io.stdout[1]).toBe('  subject:   CN=localhost');
      expect(io.stdout[3]).toBe('  names:     DNS:localhost, IP:0:0:0:0:0:0:0:1');
      expect(io.stdout[4]).toMatch(/\((9\.9|10\.0) days left\)$/);
      expect(io.stderr).toEqual([
        expect.stringMatching(/^warning: .*cert\.pem: CN=localhost expires in (9|10) days$/),
      ]);
      const quiet = capture();
      expect(runCertificateCli(['inspect', dir.path('cert.pem'), '--warn-days', '5'], quiet)).toBe(
        0,
      );
      expect(quiet.stderr).toEqual([]);
      const later = capture(Date.now() + 20 * 86_400_000);
      expect(runCertificateCli(['inspect', dir.path('cert.pem')], later)).toBe(1);
      expect(later.stderr[0]).toMatch(/expired on/);
    } finally {
      dir.cleanup();
    }
  });

  it('answers bad usage with exit code 2 and a reason', () => {
    const cases: [string[], RegExp][] = [
      [[], /usage:/],
      [['create', '--dns', 'x'], /--out DIR is required/],
      [['create', '--out', '/tmp/x', '--ca-cert', 'a.pem'], /go together/],
      [['create', '--out', '/tmp/x', '--days', '0'], /positive/],
      [['inspect'], /which file/],
      [['inspect', '/nonexistent.pem'], /ENOENT/],
      [['create', '--bogus'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      expect(runCertificateCli(args, io), args.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
    }
  });
});
