import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import { PingoraError } from '@pingora-ts/error';
import { type CertificateInfo, daysUntilExpiry, inspectCertificate } from './certificates.js';
import { nodeTls } from './node-tls.js';
import { matchesServerName } from './server-name.js';

/** One certificate the server can present: PEM text or files (files are re-read on reload). */
export interface CertificateSource {
  /** Certificate chain, PEM (leaf first). */
  cert?: string | Buffer;
  /** Private key, PEM. */
  key?: string | Buffer;
  /** File holding the PEM certificate chain; re-read by {@link TlsServerSettings.reload}. */
  certFile?: string;
  /** File holding the PEM private key; re-read by {@link TlsServerSettings.reload}. */
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
  /** ALPN protocols offered, most preferred first. Default `['http/1.1']`. */
  alpn?: AlpnProtocol[];
  /** Lowest TLS version accepted. Default `TLSv1.2`. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Session lifetime for tickets and the session cache, seconds. Default 300. */
  sessionTimeoutSec?: number;
  /**
   * 48 bytes of session-ticket keys. Give every worker the same keys so that a client resumes
   * on any of them; default: random per settings object.
   */
  ticketKeys?: Buffer;
  /** mTLS: ask for a client certificate signed by `ca`; `required` (default true) rejects clients without. */
  clientCertificate?: { ca: string | Buffer | (string | Buffer)[]; required?: boolean };
  /** Warn when a served certificate expires within this many days. Default 14. */
  expiryWarningDays?: number;
  /**
   * Called with each expiry warning when certificates are loaded (construction and every
   * reload). Default: `process.emitWarning(message, 'CertificateExpiryWarning')`.
   */
  onExpiryWarning?: (message: string) => void;
  /** Milliseconds since the epoch, for expiry checks. Default `Date.now`. */
  clock?: () => number;
}

/** Defaults of {@link TlsServerOptions}. */
export const TLS_SERVER_DEFAULTS = {
  defaultCertificate: 0,
  alpn: ['http/1.1'] as readonly AlpnProtocol[],
  minVersion: 'TLSv1.2',
  sessionTimeoutSec: 300,
  expiryWarningDays: 14,
  onExpiryWarning: (message: string): void =>
    process.emitWarning(message, 'CertificateExpiryWarning'),
  clock: Date.now,
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
 * // or: tls.createServer(settings.serverOptions(), handler), http2.createSecureServer(settings.serverOptions())
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
        { detail: { name: 'defaultCertificate' } },
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

  /**
   * The secure context for a client's SNI name: an exact name first, then a wildcard
   * (RFC 6125 6.4.3, see {@link matchesServerName}), else the default certificate's.
   */
  contextFor(serverName: string | undefined): tls.SecureContext {
    return this.select(serverName).context;
  }

  /**
   * The `SNICallback` of `tls.createServer`: answers with {@link TlsServerSettings.contextFor}.
   * Bound, so it can be handed over as it is; it always sees the latest reload.
   */
  readonly SNICallback = (
    serverName: string,
    callback: (error: Error | null, context?: tls.SecureContext) => void,
  ): void => callback(null, this.contextFor(serverName));

  /** Options for `tls.createServer`, `https.createServer` or `http2.createSecureServer`. */
  serverOptions(): tls.TlsOptions {
    const def = this.defaultLoaded();
    return {
      ...this.contextOptions(def),
      SNICallback: this.SNICallback,
      ALPNProtocols: [...(this.options.alpn ?? TLS_SERVER_DEFAULTS.alpn)],
      ...(this.options.clientCertificate
        ? {
            requestCert: true,
            rejectUnauthorized: this.options.clientCertificate.required ?? true,
          }
        : {}),
    };
  }

  /** A `tls.Server` on these settings; {@link TlsServerSettings.reload} updates it in place. */
  createServer(onSecureConnection?: (socket: tls.TLSSocket) => void): tls.Server {
    const server = nodeTls().createServer(this.serverOptions(), onSecureConnection);
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    return server;
  }

  /**
   * Re-reads certificate files and rebuilds the contexts. New handshakes get the new
   * certificates; established connections are untouched; the ticket keys stay, so sessions
   * issued before the reload still resume. On any error (unreadable file, key not matching its
   * certificate) the old certificates stay and a `PingoraError` is thrown.
   */
  reload(): void {
    this.loaded = this.load();
    for (const server of this.servers) server.setSecureContext(this.serverOptions());
  }

  /** A warning for each certificate that expires within `expiryWarningDays` of `now`. */
  expiryWarnings(now: Date = this.now()): string[] {
    return this.warningsOf(this.loaded, now);
  }

  private now(): Date {
    return new Date((this.options.clock ?? TLS_SERVER_DEFAULTS.clock)());
  }

  private warningsOf(loaded: Loaded[], now: Date): string[] {
    const days = this.options.expiryWarningDays ?? TLS_SERVER_DEFAULTS.expiryWarningDays;
    const warnings: string[] = [];
    for (const l of loaded) {
      const left = daysUntilExpiry(l.info, now);
      if (left >= days) continue;
      const names = l.names.join(', ') || l.info.subject;
      warnings.push(
        left < 0
          ? `certificate for ${names} expired on ${l.info.notAfter.toISOString()}`
          : `certificate for ${names} expires in ${Math.floor(left)} days (${l.info.notAfter.toISOString()})`,
      );
    }
    return warnings;
  }

  private defaultLoaded(): Loaded {
    return this.loaded[this.options.defaultCertificate ?? TLS_SERVER_DEFAULTS.defaultCertificate]!;
  }

  private select(serverName: string | undefined): Loaded {
    if (serverName) {
      for (const l of this.loaded) {
        if (l.names.some((n) => !n.startsWith('*.') && matchesServerName(n, serverName))) return l;
      }
      for (const l of this.loaded) {
        if (l.names.some((n) => n.startsWith('*.') && matchesServerName(n, serverName))) return l;
      }
    }
    return this.defaultLoaded();
  }

  /**
   * Everything a context needs besides ALPN and the SNI callback. The SNI callback swaps the
   * whole OpenSSL context (`SSL_set_SSL_CTX`), and verification of client certificates then
   * uses the new context's trust store, so each one carries the client CA, the version floor
   * and the ticket keys, not only its certificate.
   */
  private contextOptions(l: Pick<Loaded, 'cert' | 'key'>): tls.SecureContextOptions {
    const client = this.options.clientCertificate;
    return {
      cert: l.cert,
      key: l.key,
      minVersion: this.options.minVersion ?? TLS_SERVER_DEFAULTS.minVersion,
      sessionTimeout: this.options.sessionTimeoutSec ?? TLS_SERVER_DEFAULTS.sessionTimeoutSec,
      ticketKeys: this.ticketKeys,
      ...(client ? { ca: client.ca } : {}),
    };
  }

  private load(): Loaded[] {
    const loaded = this.options.certificates.map((source, i) => {
      const where = `certificates[${i}]`;
      const cert = read(source.cert, source.certFile, `${where}.cert`);
      const key = read(source.key, source.keyFile, `${where}.key`);
      let context: tls.SecureContext;
      let info: CertificateInfo;
      try {
        context = nodeTls().createSecureContext(this.contextOptions({ cert, key }));
        info = inspectCertificate(cert);
      } catch (cause) {
        throw PingoraError.because('InvalidConfig', `loading TLS ${where}`, cause, {
          detail: { name: where, ...(source.certFile ? { file: source.certFile } : {}) },
        });
      }
      const names = source.serverNames ?? info.dnsNames;
      return { names, context, info, cert, key };
    });
    const warn = this.options.onExpiryWarning ?? TLS_SERVER_DEFAULTS.onExpiryWarning;
    for (const message of this.warningsOf(loaded, this.now())) warn(message);
    return loaded;
  }
}

/**
 * Server settings for `tls.createServer` and friends; the same as `new TlsServerSettings(options)`.
 *
 * @example
 * ```ts
 * const settings = createTlsSettings({ certificates: [{ certFile: 'cert.pem', keyFile: 'key.pem' }], alpn: ['h2', 'http/1.1'] });
 * const server = tls.createServer(settings.serverOptions(), onConnection);
 * ```
 */
export function createTlsSettings(options: TlsServerOptions): TlsServerSettings {
  return new TlsServerSettings(options);
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
