/**
 * TLS for Pingora-TS on node:tls (OpenSSL): server settings with SNI certificate selection,
 * ALPN, a TLS 1.2 floor, session tickets and certificate reload; an upstream connector that
 * verifies certificates and names, offers ALPN, speaks mTLS and resumes sessions; and
 * certificate tooling (a development CA and leaf certificates, made with node-forge and keys
 * from OpenSSL) for tests, demos and development. TLS records never pass through JavaScript.
 *
 * @example
 * ```ts
 * import { createCertificate, createCertificateAuthority, inspectCertificate } from '@pingora-ts/tls';
 *
 * const ca = createCertificateAuthority();
 * const leaf = createCertificate(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'], validityDays: 30 });
 * console.log(inspectCertificate(leaf.cert).dnsNames);
 * ```
 *
 * @packageDocumentation
 */

export { type CertificateCliIo, runCertificateCli } from './certificate-cli.js';
export {
  type CaOptions,
  type CertificateInfo,
  createCertificate,
  createCertificateAuthority,
  daysUntilExpiry,
  inspectCertificate,
  inspectCertificates,
  type KeyPairPem,
  type LeafOptions,
  readCertificateFile,
} from './certificates.js';
export {
  type AlpnPreference,
  connectTls,
  TLS_CONNECT_DEFAULTS,
  type TlsConnection,
  type TlsPeer,
  tlsPeerKey,
} from './connect.js';
export { matchesServerName } from './server-name.js';
export {
  type AlpnProtocol,
  type CertificateSource,
  createTlsSettings,
  TLS_SERVER_DEFAULTS,
  type TlsServerOptions,
  TlsServerSettings,
} from './server-settings.js';
export { TlsSessionCache } from './session-cache.js';
