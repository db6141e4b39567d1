import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { PingoraError } from '@pingora-ts/error';
import { type CertificateInfo, daysUntilExpiry, inspectCertificate } from './certificates.js';
import { matchesServerName } from './server-name.js';

/** One certificate the server can present: PEM text or files (files are re-read on reload). */
export interface CertificateSource {
  cert?: string | Buffer;
  key?: string | Buffer;
  certFile?: string;
  keyFile?: string;
  /** Names it serves; default: its subjectAltName DNS names (wildcards included). */
  serverNames?: string[];
}

/** An ALPN protocol id the server may select: `h2`, `http/1.1`, or any other registered id. */
export type AlpnProtocol = 'h2' | 'http/1.1' | (string & {});

/** Options of {@link TlsServerSettings}; defaults in {@link TLS_SERVER_DEFAULTS}. */
export interface TlsServerOptions {
  /** Certificates; SNI picks among them by name. */
  certificates: CertificateSource[];
  /** Index in `certificates` of the one served when no name matches (or no SNI). Default 0. */
  defaultCertificate?: number;
  /** ALPN protocols offered, most preferred first. */
  alpn?: AlpnProtocol[];
  /** Lowest TLS version accepted. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Session lifetime for tickets and the session cache, seconds. */
  sessionTimeoutSec?: number;
  /**
   * 48 bytes of session-ticket keys. Give every worker the same keys so that a client resumes
   * on any of them; default: random per settings object.
   */
  ticketKeys?: Buffer;
  /** mTLS: ask for a client certificate signed by `ca`; `required` rejects clients without. */
  clientCertificate?: { ca: string | Buffer | (string | Buffer)[]; required?: boolean };
  /** Warn when a served certificate expires within this many days. */
  expiryWarningDays?: number;
}

/** Defaults of {@link TlsServerOptions}. */
export const TLS_SERVER_DEFAULTS = {
  defaultCertificate: 0,
  alpn: ['http/1.1'] as AlpnProtocol[],
  minVersion: 'TLSv1.2',
  sessionTimeoutSec: 300,
  expiryWarningDays: 14,
} as const;

interface Loaded {
  names: string[];
  context: tls.SecureContext;
  info: CertificateInfo;
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * Server-side TLS: certificates chosen by SNI (exact names first, then wildcards, then the
 * default), ALPN, a TLS 1.2 floor, session tickets and resumption, optional client
 * certificates, and {@link TlsServerSettings.reload} of certificate files without a restart.
 * The data path is node:tls (OpenSSL); this only prepares its contexts.
 *
 * @example
 * ```ts
 * const settings = new TlsServerSettings({ certificates: [{ certFile, keyFile }], alpn: ['h2', 'http/1.1'] });
 * const server = settings.createServer((socket) => handle(socket));
 * server.listen(443);
 * ```
 */
export class TlsServerSettings {
  private readonly options: TlsServerOptions;
  private readonly ticketKeys: Buffer;
  private loaded: Loaded[] = [];
  private readonly servers = new Set<tls.Server>();

  constructor(options: TlsServerOptions) {
    if (options.certificates.length === 0) {
      throw PingoraError.explain('InvalidConfig', 'TLS settings need at least one certificate');
    }
    const def = options.defaultCertificate ?? TLS_SERVER_DEFAULTS.defaultCertificate;
    if (!Number.isInteger(def) || def < 0 || def >= options.certificates.length) {
      throw PingoraError.explain(
        'InvalidConfig',
        `defaultCertificate ${def} is not an index of certificates`,
        {
          detail: { name: 'defaultCertificate' },
        },
      );
    }
    if (options.ticketKeys !== undefined && options.ticketKeys.length !== 48) {
      throw PingoraError.explain('InvalidConfig', 'ticketKeys must be 48 bytes', {
        detail: { name: 'ticketKeys' },
      });
    }
    this.options = options;
    this.ticketKeys = options.ticketKeys ?? randomBytes(48);
    this.loaded = this.load();
  }

  /** What each certificate is (in `certificates` order). */
  certificates(): CertificateInfo[] {
    return this.loaded.map((l) => l.info);
  }

  /** The secure context for a client's SNI name (the default one for `undefined` or no match). */
  contextFor(serverName: string | undefined): tls.SecureContext {
    const def = this.loaded[this.options.defaultCertificate ?? 0]!;
    if (!serverName) return def.context;
    for (const l of this.loaded) {
      if (l.names.some((n) => !n.startsWith('*.') && matchesServerName(n, serverName)))
        return l.context;
    }
    for (const l of this.loaded) {
      if (l.names.some((n) => n.startsWith('*.') && matchesServerName(n, serverName)))
        return l.context;
    }
    return def.context;
  }

  /** Options for `tls.createServer` (or `http2.createSecureServer`). */
  serverOptions(): tls.TlsOptions {
    const def = this.loaded[this.options.defaultCertificate ?? 0]!;
    const client = this.options.clientCertificate;
    return {
      cert: def.cert,
      key: def.key,
      SNICallback: (name, callback) => callback(null, this.contextFor(name)),
      ALPNProtocols: [...(this.options.alpn ?? TLS_SERVER_DEFAULTS.alpn)],
      minVersion: this.options.minVersion ?? TLS_SERVER_DEFAULTS.minVersion,
      sessionTimeout: this.options.sessionTimeoutSec ?? TLS_SERVER_DEFAULTS.sessionTimeoutSec,
      ticketKeys: this.ticketKeys,
      ...(client
        ? { requestCert: true, rejectUnauthorized: client.required ?? true, ca: client.ca }
        : {}),
    };
  }

  /** A `tls.Server` on these settings; {@link TlsServerSettings.reload} updates it in place. */
  createServer(onSecureConnection?: (socket: tls.TLSSocket) => void): tls.Server {
    const server = tls.createServer(this.serverOptions(), onSecureConnection);
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    return server;
  }

  /**
   * Re-reads certificate files and rebuilds the contexts. New handshakes get the new
   * certificates; established connections are untouched. On any error (unreadable file, key
   * not matching its certificate) the old certificates stay and a `PingoraError` is thrown.
   */
  reload(): void {
    this.loaded = this.load();
    for (const server of this.servers) server.setSecureContext(this.serverOptions());
  }

  /** A warning for each certificate that expires within `expiryWarningDays` of `now`. */
  expiryWarnings(now: Date = new Date()): string[] {
    const days = this.options.expiryWarningDays ?? TLS_SERVER_DEFAULTS.expiryWarningDays;
    const warnings: string[] = [];
    for (const l of this.loaded) {
      const left = daysUntilExpiry(l.info, now);
      if (left < days) {
        const names = l.names.join(', ') || l.info.subject;
        warnings.push(
          left < 0
            ? `certificate for ${names} expired on ${l.info.notAfter.toISOString()}`
            : `certificate for ${names} expires in ${Math.floor(left)} days (${l.info.notAfter.toISOString()})`,
        );
      }
    }
    return warnings;
  }

  private load(): Loaded[] {
    return this.options.certificates.map((source, i) => {
      const where = `certificates[${i}]`;
      const cert = read(source.cert, source.certFile, `${where}.cert`);
      const key = read(source.key, source.keyFile, `${where}.key`);
      let context: tls.SecureContext;
      try {
        context = tls.createSecureContext({ cert, key });
      } catch (cause) {
        throw PingoraError.because('InvalidConfig', `loading TLS ${where}`, cause, {
          detail: { name: where, ...(source.certFile ? { file: source.certFile } : {}) },
        });
      }
      const info = inspectCertificate(cert);
      const names = source.serverNames ?? (info.dnsNames.length > 0 ? info.dnsNames : []);
      return { names, context, info, cert, key };
    });
  }
}

function read(
  value: string | Buffer | undefined,
  file: string | undefined,
  name: string,
): string | Buffer {
  if (value !== undefined) return value;
  if (file === undefined) {
    throw PingoraError.explain('InvalidConfig', `TLS ${name} needs PEM text or a file`, {
      detail: { name },
    });
  }
  try {
    return readFileSync(file);
  } catch (cause) {
    throw PingoraError.because('FileReadError', `reading TLS ${name}`, cause, { detail: { file } });
  }
}
