import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  createCertificate,
  createCertificateAuthority,
  daysUntilExpiry,
  inspectCertificate,
} from '@pingora-ts/tls';

/** Where a development certificate lives. */
export interface DevCertificate {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Days a generated development certificate is valid; renewed when fewer than 7 are left. */
const VALIDITY_DAYS = 90;

/** The default directory: per user, so that two users of one machine do not share keys. */
export function defaultDevCertificateDir(): string {
  return join(tmpdir(), `pingora-ts-dev-cert-${userInfo().uid}`);
}

/**
 * A development CA and a certificate for `localhost`, `127.0.0.1` and `::1` (made with
 * `@pingora-ts/tls`), kept in `dir` and reused while valid, so the CA a user trusted once
 * stays the same across restarts.
 */
export function ensureDevCertificate(dir = defaultDevCertificateDir()): DevCertificate {
  const cert: DevCertificate = {
    dir,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
  };
  if (existsSync(cert.certFile) && existsSync(cert.keyFile) && existsSync(cert.caFile)) {
    try {
      if (daysUntilExpiry(inspectCertificate(readFileSync(cert.certFile, 'utf8'))) > 7) return cert;
    } catch {
      // Unreadable or corrupt: make a new one below.
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = createCertificateAuthority({ commonName: 'Pingora-TS gateway development CA' });
  const leaf = createCertificate(ca, {
    dnsNames: ['localhost'],
    ips: ['127.0.0.1', '::1'],
    validityDays: VALIDITY_DAYS,
  });
  writeFileSync(cert.caFile, ca.cert);
  writeFileSync(cert.certFile, leaf.cert);
  writeFileSync(cert.keyFile, leaf.key, { mode: 0o600 });
  return cert;
}
