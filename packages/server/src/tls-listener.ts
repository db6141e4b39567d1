import { readFileSync } from 'node:fs';
import { createServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { PingoraError } from '@pingora-ts/error';
import type { TlsListenerConfig } from './config.js';

// TLS listeners take node:tls options directly for now: @pingora-ts/tls (level 2) exported no
// server-context API yet when this was written. Once it does (SNI selection, session ticket
// keys), build the secure context there and keep this file as the listener's glue.

/**
 * A `tls.Server` for a TLS listener: certificate and key read from their PEM files now, so a
 * missing file fails the worker's start (and the upgrade) instead of the first handshake.
 */
export function createTlsServer(
  config: TlsListenerConfig,
  onSecureConnection: (socket: TLSSocket) => void,
): TlsServer {
  const read = (file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (cause) {
      throw PingoraError.because('FileReadError', `reading TLS file ${file}`, cause, {
        detail: { file },
      });
    }
  };
  const server = createServer(
    {
      cert: read(config.certFile),
      key: read(config.keyFile),
      ...(config.alpn === undefined ? {} : { ALPNProtocols: [...config.alpn] }),
    },
    onSecureConnection,
  );
  // A client that fails its handshake is that client's problem: the socket is already
  // destroyed by node:tls, and the listener goes on.
  server.on('tlsClientError', () => {});
  return server;
}
