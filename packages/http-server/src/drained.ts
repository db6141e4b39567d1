import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { type DrainOutcome, type TimerWheel, whenDrained } from '@pingora-ts/timeout';

/** A write of nothing: its callback runs once every earlier write has left the socket. */
const NOTHING = Buffer.alloc(0);

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
  settle(socket, await whenDrained(socket, wheel, writeTimeoutMs));
}

/**
 * Waits until the kernel took every byte written to `socket` so far, with the rejections of
 * {@link drained}. Writes under the high-water mark ask for no 'drain': then the wait is for a
 * write of nothing, whose callback runs after theirs.
 */
export async function flushed(
  socket: Socket,
  wheel: TimerWheel,
  writeTimeoutMs: number,
): Promise<void> {
  if (socket.writableNeedDrain) return drained(socket, wheel, writeTimeoutMs);
  const outcome = await new Promise<DrainOutcome>((resolve) => {
    const timer = wheel.deadline(writeTimeoutMs, () => resolve('timeout'));
    socket.write(NOTHING, (error) => {
      timer.cancel();
      resolve(error == null ? 'drain' : 'close');
    });
  });
  settle(socket, outcome);
}

/** Turns the end of a wait into nothing (drained) or the downstream error it means. */
function settle(socket: Socket, outcome: DrainOutcome): void {
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
