import type { TLSSocket, Server as TlsServer } from 'node:tls';
import { TlsServerSettings } from '@pingora-ts/tls';
import type { TlsListenerConfig } from './config.js';
import { TICKET_KEYS_ENV } from './worker-messages.js';

/**
 * A `tls.Server` for a TLS listener on `@pingora-ts/tls` settings (TLS 1.2 floor, session
 * tickets, ALPN). Certificate and key are read now, so a missing or broken file fails the
 * worker's start (and the upgrade) instead of the first handshake.
 */
export function createTlsServer(
  config: TlsListenerConfig,
  onSecureConnection: (socket: TLSSocket) => void,
): TlsServer {
  const alpn = [...(config.alpn ?? [])];
  // Workers of one master share ticket keys, so a session resumes on any of them.
  const shared = process.env[TICKET_KEYS_ENV];
  const ticketKeys =
    shared !== undefined && /^[0-9a-f]{96}$/.test(shared) ? Buffer.from(shared, 'hex') : undefined;
  const settings = new TlsServerSettings({
    ...(ticketKeys === undefined ? {} : { ticketKeys }),
    certificates: [{ certFile: config.certFile, keyFile: config.keyFile }],
    ...(alpn.length > 0 ? { alpn } : {}),
  });
  const server = settings.createServer(onSecureConnection);
  // A client that fails its handshake is that client's problem: the socket is already
  // destroyed by node:tls, and the listener goes on.
  server.on('tlsClientError', () => {});
  return server;
}
