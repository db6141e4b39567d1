import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type Forge from 'node-forge';

// node-forge (about 10 MB of resident memory once loaded) is loaded on first use: a proxy that
// never makes or reads a certificate in JavaScript should not carry it.
const requireCjs = createRequire(import.meta.url);
let forgeModule: typeof Forge | undefined;
function forge(): typeof Forge {
  forgeModule ??= requireCjs('node-forge') as typeof Forge;
  return forgeModule;
}

/** A PEM certificate with its PEM private key. */
export interface KeyPairPem {
  /** Certificate, PEM. */
  cert: string;
  /** Private key (PKCS#8), PEM. */
  key: string;
}

/** Options of {@link createCertificateAuthority}. */
export interface CaOptions {
  /** Subject common name. Default `Pingora-TS Development CA`. */
  commonName?: string;
  /** Validity in days from now. Default 3650. */
  validityDays?: number;
  /** RSA key size. Default 2048. */
  keyBits?: number;
}

/** Options of {@link createCertificate}. */
export interface LeafOptions {
  /** DNS names for subjectAltName (wildcards like `*.example.test` allowed). */
  dnsNames?: string[];
  /** IP addresses (v4 or v6) for subjectAltName. */
  ips?: string[];
  /** Subject common name. Default: the first DNS name, else the first IP. */
  commonName?: string;
  /** Validity in days from `notBefore`. Default 90. May be negative for expired test certs. */
  validityDays?: number;
  /** Start of validity. Default: now minus one minute (clock skew). */
  notBefore?: Date;
  /** Usable as a client certificate too (extKeyUsage clientAuth). Default true. */
  clientAuth?: boolean;
  /** RSA key size. Default 2048. */
  keyBits?: number;
}

/** What {@link inspectCertificate} reports. */
export interface CertificateInfo {
  /** Subject distinguished name, `CN=example.test` style, RDNs joined by `, `. */
  subject: string;
  /** Issuer distinguished name, same form. */
  issuer: string;
  /** subjectAltName DNS names. */
  dnsNames: string[];
  /** subjectAltName IP addresses. */
  ips: string[];
  /** Start of validity. */
  notBefore: Date;
  /** End of validity (expiry). */
  notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** basicConstraints cA: a certificate authority. */
  isCa: boolean;
}

const DAY = 86_400_000;

/** Native RSA key generation (OpenSSL): milliseconds, where forge's JavaScript takes seconds. */
function rsaKeyPair(bits: number): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A positive serial number of 16 random bytes (RFC 5280 4.1.2.2: at most 20 octets). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  bytes[0]! |= 0x01;
  return bytes.toString('hex');
}

function buildCertificate(
  publicKeyPem: string,
  subject: Forge.pki.CertificateField[],
  issuer: Forge.pki.CertificateField[],
  signingKeyPem: string,
  notBefore: Date,
  notAfter: Date,
  extensions: object[],
): string {
  const cert = forge().pki.createCertificate();
  cert.publicKey = forge().pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(forge().pki.privateKeyFromPem(signingKeyPem), forge().md.sha256.create());
  return forge().pki.certificateToPem(cert);
}

/**
 * A self-signed certificate authority for development and tests: sign leaf certificates with
 * {@link createCertificate}, trust its `cert` on the client side.
 */
export function createCertificateAuthority(options: CaOptions = {}): KeyPairPem {
  const { publicKey, privateKey } = rsaKeyPair(options.keyBits ?? 2048);
  const name = [{ name: 'commonName', value: options.commonName ?? 'Pingora-TS Development CA' }];
  const notBefore = new Date(Date.now() - 60_000);
  const cert = buildCertificate(
    publicKey,
    name,
    name,
    privateKey,
    notBefore,
    new Date(notBefore.getTime() + (options.validityDays ?? 3650) * DAY),
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
  );
  return { cert, key: privateKey };
}

/** A leaf certificate for `dnsNames` and `ips`, signed by `ca`. */
export function createCertificate(ca: KeyPairPem, options: LeafOptions): KeyPairPem {
  const dnsNames = options.dnsNames ?? [];
  const ips = options.ips ?? [];
  for (const ip of ips) {
    if (isIP(ip) === 0)
      throw new TypeError(`createCertificate: ${JSON.stringify(ip)} is not an IP`);
  }
  const commonName = options.commonName ?? dnsNames[0] ?? ips[0];
  if (commonName === undefined) {
    throw new TypeError('createCertificate needs at least one of dnsNames, ips, commonName');
  }
  const { publicKey, privateKey } = rsaKeyPair(options.keyBits ?? 2048);
  const caCert = forge().pki.certificateFromPem(ca.cert);
  const issuer = caCert.subject.attributes as Forge.pki.CertificateField[];
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validityDays ?? 90) * DAY);
  const altNames = [
    ...dnsNames.map((value) => ({ type: 2, value })),
    ...ips.map((ip) => ({ type: 7, ip })),
  ];
  const cert = buildCertificate(
    publicKey,
    [{ name: 'commonName', value: commonName }],
    issuer,
    ca.key,
    notBefore,
    notAfter,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: options.clientAuth ?? true },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
      // RFC 5280 4.2.1.1-2: key identifiers, which strict verifiers (OpenSSL -x509_strict,
      // Python 3.13's default context) require to link a leaf to its issuer.
      { name: 'subjectKeyIdentifier' },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
      },
    ],
  );
  return { cert, key: privateKey };
}

/** Subject, issuer, SANs, validity and fingerprint of a PEM certificate (the first in a chain). */
export function inspectCertificate(pem: string | Buffer): CertificateInfo {
  const x = new X509Certificate(pem);
  const dnsNames: string[] = [];
  const ips: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ips.push(part.slice(11));
  }
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    dnsNames,
    ips,
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    fingerprint256: x.fingerprint256,
    isCa: x.ca,
  };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Every certificate in PEM text (a chain, a CA bundle), in order; other blocks (keys) are
 * skipped. Throws a `TypeError` when there is none.
 */
export function inspectCertificates(pem: string | Buffer): CertificateInfo[] {
  const blocks = String(pem).match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new TypeError('no PEM certificate found');
  return blocks.map((block) => inspectCertificate(block));
}

/**
 * Reads a PEM file and reports every certificate in it, leaf first for a chain.
 *
 * @example
 * ```ts
 * for (const c of readCertificateFile('/etc/ssl/site.pem')) console.log(c.subject, c.dnsNames, c.notAfter);
 * ```
 */
export function readCertificateFile(path: string): CertificateInfo[] {
  return inspectCertificates(readFileSync(path));
}

/** Days a certificate remains valid at `now` (negative once expired). */
export function daysUntilExpiry(info: CertificateInfo, now: Date = new Date()): number {
  return (info.notAfter.getTime() - now.getTime()) / DAY;
}
