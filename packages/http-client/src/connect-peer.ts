import net from 'node:net';
import { fromSystemError, PingoraError } from '@pingora-ts/error';
import type { TimerWheel } from '@pingora-ts/timeout';
import { connectTls, type TlsSessionCache } from '@pingora-ts/tls';
import type { HttpPeer } from './http-peer.js';
import { attachReadBuffer, ReadBuffer } from './read-buffer.js';

/**
 * One connection attempt to `peer`: TCP (or a Unix socket), then TLS through
 * `@pingora-ts/tls` when the peer has `tls`, within `timeoutMs`. Errors are `PingoraError`s
 * from the upstream: connect kinds (retryable), TLS kinds, `ConnectTimedout`.
 *
 * With `readBufferBytes`, a TCP or Unix connection reads at most that many bytes at a time into
 * memory of its own (two buffers of that size, in turn) instead of a fresh allocation per read
 * (TLS connections ignore it): a {@link SocketReader} on it hands out borrowed chunks, and the
 * socket starts paused.
 */
export function connectPeer(
  peer: HttpPeer,
  timeoutMs: number,
  wheel: TimerWheel,
  sessions: TlsSessionCache | undefined,
  readBufferBytes = 0,
): Promise<net.Socket> {
  if (peer.tls !== undefined && peer.unixPath === undefined) {
    return connectTls(
      { ...peer.tls, host: peer.host, port: peer.port, alpn: 'h1', timeoutMs },
      sessions,
    ).then(({ socket }) => {
      socket.setNoDelay(true);
      return socket;
    });
  }
  const where = peer.unixPath ?? `${peer.host}:${peer.port}`;
  return new Promise<net.Socket>((resolve, reject) => {
    const reads = readBufferBytes > 0 ? new ReadBuffer(readBufferBytes) : undefined;
    const onread = reads && { buffer: reads.next, callback: reads.onRead };
    const socket =
      peer.unixPath === undefined
        ? net.connect({ host: peer.host, port: peer.port, noDelay: true, onread })
        : net.connect({ path: peer.unixPath, onread });
    if (reads !== undefined) {
      attachReadBuffer(socket, reads);
      // Nothing is read before a reader takes the socket (bytes would otherwise be copied).
      socket.pause();
    }
    const timer = wheel.deadline(timeoutMs, () => {
      socket.destroy();
      reject(
        PingoraError.explain(
          'ConnectTimedout',
          `connecting to ${where}: no answer within ${timeoutMs} ms`,
          {
            source: 'upstream',
          },
        ),
      );
    });
    socket.once('connect', () => {
      timer.cancel();
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      timer.cancel();
      reject(fromSystemError(error, 'upstream', 'ConnectError', `connecting to ${where}`));
    });
  });
}
