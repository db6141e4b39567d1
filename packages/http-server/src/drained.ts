import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { type TimerWheel, whenDrained } from '@pingora-ts/timeout';

/**
 * Waits for a downstream socket to take what it buffered ('drain'). Rejects with
 * ConnectionClosed when the socket closes first (or already has), or with WriteTimedout when it
 * takes nothing for `writeTimeoutMs`, and then destroys it.
 */
export async function drained(
  socket: Socket,
  wheel: TimerWheel,
  writeTimeoutMs: number,
): Promise<void> {
  const outcome = await whenDrained(socket, wheel, writeTimeoutMs);
  if (outcome === 'drain') return;
  if (outcome === 'close') {
    throw PingoraError.explain('ConnectionClosed', 'client closed while we wrote', {
      source: 'downstream',
    });
  }
  socket.destroy();
  throw PingoraError.explain('WriteTimedout', 'client took no bytes in time', {
    source: 'downstream',
  });
}
