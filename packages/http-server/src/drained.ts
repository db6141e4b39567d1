import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import type { TimerWheel } from '@pingora-ts/timeout';

function clientClosed(): PingoraError {
  return PingoraError.explain('ConnectionClosed', 'client closed while we wrote', {
    source: 'downstream',
  });
}

/**
 * Waits for a downstream socket to take what it buffered ('drain'). Rejects with
 * ConnectionClosed when the socket closes first (or already has), or with WriteTimedout when it
 * takes nothing for `writeTimeoutMs`, and then destroys it.
 */
export function drained(socket: Socket, wheel: TimerWheel, writeTimeoutMs: number): Promise<void> {
  // Gone before we could wait: no 'close' event will come any more.
  if (socket.destroyed) return Promise.reject(clientClosed());
  return new Promise<void>((resolve, reject) => {
    const done = (error?: PingoraError) => {
      timer.cancel();
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(clientClosed());
    const timer = wheel.deadline(writeTimeoutMs, () => {
      done(
        PingoraError.explain('WriteTimedout', 'client took no bytes in time', {
          source: 'downstream',
        }),
      );
      socket.destroy();
    });
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}
