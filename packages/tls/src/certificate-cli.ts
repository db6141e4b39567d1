import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CertificateInfo,
  createCertificate,
  createCertificateAuthority,
  daysUntilExpiry,
  type KeyPairPem,
  readCertificateFile,
} from './certificates.js';

/** Where {@link runCertificateCli} writes, and its clock. */
export interface CertificateCliIo {
  /** Standard output, one line per call. */
  out: (line: string) => void;
  /** Standard error, one line per call. */
  err: (line: string) => void;
  /** Milliseconds since the epoch, for expiry reports. */
  now: () => number;
}

const USAGE = `usage:
  pingora-ts-cert create --out DIR [--dns NAME]... [--ip ADDR]... [--days 90]
                         [--ca-cert FILE --ca-key FILE] [--ca-name NAME]
      writes DIR/cert.pem and DIR/key.pem (and DIR/ca.pem, DIR/ca-key.pem when no CA is given)
  pingora-ts-cert inspect FILE... [--warn-days 14]
      prints subject, issuer, SANs and expiry of every certificate; warns when one expires soon`;

const DEFAULT_IO: CertificateCliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: Date.now,
};

/**
 * The `pingora-ts-cert` command: makes development certificates (a CA and a leaf for the
 * given DNS names and IPs) and reports what PEM files hold. Returns the exit code: 0, 1 when
 * `inspect` finds an expired certificate, 2 for bad usage or unreadable input.
 *
 * @example
 * ```ts
 * runCertificateCli(['create', '--out', './certs', '--dns', 'localhost', '--ip', '127.0.0.1', '--days', '30']);
 * runCertificateCli(['inspect', './certs/cert.pem']);
 * ```
 */
export function runCertificateCli(
  args: readonly string[],
  io: CertificateCliIo = DEFAULT_IO,
): number {
  const [command, ...rest] = args;
  try {
    if (command === 'create') return create(rest, io);
    if (command === 'inspect') return inspect(rest, io);
    io.err(USAGE);
    return 2;
  } catch (error) {
    io.err(`pingora-ts-cert ${command}: ${(error as Error).message}`);
    return 2;
  }
}

function positiveNumber(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number`);
  return value;
}

function create(args: string[], io: CertificateCliIo): number {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      dns: { type: 'string', multiple: true },
      ip: { type: 'string', multiple: true },
      days: { type: 'string' },
      'ca-cert': { type: 'string' },
      'ca-key': { type: 'string' },
      'ca-name': { type: 'string' },
    },
  });
  if (values.out === undefined) throw new TypeError('--out DIR is required');
  if ((values['ca-cert'] === undefined) !== (values['ca-key'] === undefined)) {
    throw new TypeError('--ca-cert and --ca-key go together');
  }
  const days = positiveNumber(values.days, 90, '--days');
  mkdirSync(values.out, { recursive: true });
  let ca: KeyPairPem;
  if (values['ca-cert'] !== undefined && values['ca-key'] !== undefined) {
    ca = {
      cert: readFileSync(values['ca-cert'], 'utf8'),
      key: readFileSync(values['ca-key'], 'utf8'),
    };
  } else {
    ca = createCertificateAuthority(
      values['ca-name'] === undefined ? {} : { commonName: values['ca-name'] },
    );
    writeFileSync(join(values.out, 'ca.pem'), ca.cert);
    // Private keys readable by their owner only.
    writeFileSync(join(values.out, 'ca-key.pem'), ca.key, { mode: 0o600 });
  }
  const leaf = createCertificate(ca, {
    dnsNames: values.dns ?? [],
    ips: values.ip ?? [],
    validityDays: days,
  });
  writeFileSync(join(values.out, 'cert.pem'), leaf.cert);
  writeFileSync(join(values.out, 'key.pem'), leaf.key, { mode: 0o600 });
  io.out(`wrote ${join(values.out, 'cert.pem')} and ${join(values.out, 'key.pem')}`);
  if (values['ca-cert'] === undefined) {
    io.out(
      `wrote ${join(values.out, 'ca.pem')} (trust it in clients) and ${join(values.out, 'ca-key.pem')}`,
    );
  }
  return 0;
}

function describe(info: CertificateInfo, now: Date): string[] {
  const sans = [...info.dnsNames.map((n) => `DNS:${n}`), ...info.ips.map((ip) => `IP:${ip}`)];
  return [
    `subject:   ${info.subject}`,
    `issuer:    ${info.issuer}${info.isCa ? ' (CA)' : ''}`,
    `names:     ${sans.join(', ') || '(none)'}`,
    `valid:     ${info.notBefore.toISOString()} to ${info.notAfter.toISOString()} (${daysUntilExpiry(info, now).toFixed(1)} days left)`,
    `sha256:    ${info.fingerprint256}`,
  ];
}

function inspect(args: string[], io: CertificateCliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'warn-days': { type: 'string' } },
  });
  if (positionals.length === 0) throw new TypeError('which file?');
  const warnDays = positiveNumber(values['warn-days'], 14, '--warn-days');
  const now = new Date(io.now());
  let expired = false;
  for (const file of positionals) {
    for (const info of readCertificateFile(file)) {
      io.out(`${file}:`);
      for (const line of describe(info, now)) io.out(`  ${line}`);
      const left = daysUntilExpiry(info, now);
      if (left < 0) {
        expired = true;
        io.err(`warning: ${file}: ${info.subject} expired on ${info.notAfter.toISOString()}`);
      } else if (left < warnDays) {
        io.err(`warning: ${file}: ${info.subject} expires in ${Math.floor(left)} days`);
      }
    }
  }
  return expired ? 1 : 0;
}
