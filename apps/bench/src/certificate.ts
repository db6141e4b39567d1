// A throwaway self-signed ECDSA P-256 certificate for the TLS downstream row, made with the
// openssl command line so that nginx, haproxy and every Node contender load the same files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of a certificate and its key (and both in one file, as haproxy wants them). */
export interface BenchCertificate {
  readonly cert: string;
  readonly key: string;
  readonly combined: string;
  remove(): void;
}

/** Makes a one-day certificate for `localhost` and 127.0.0.1 in a directory of its own. */
export function makeCertificate(): BenchCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl could not make the bench certificate: ${made.stderr}`);
  }
  const combined = join(dir, 'combined.pem');
  writeFileSync(combined, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, combined, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
