import type { TLSSocket, Server as TlsServer } from 'node:tls';
import { TlsServerSettings } from '@pingora-ts/tls';
import type { TlsListenerConfig } from './config.js';

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
  const settings = new TlsServerSettings({
    certificates: [{ certFile: config.certFile, keyFile: config.keyFile }],
    ...(alpn.length > 0 ? { alpn } : {}),
  });
  const server = settings.createServer(onSecureConnection);
  // A client that fails its handshake is that client's problem: the socket is already
  // destroyed by node:tls, and the listener goes on.
  server.on('tlsClientError', () => {});
  return server;
}
