import type { Http2Stream } from 'node:http2';
import type { PingoraError } from '@pingora-ts/error';
import type { Deadline, TimerWheel } from '@pingora-ts/timeout';

/** How {@link readStream} reports a stream that ended badly or went quiet. */
export interface ReadFailures {
  /** The stream closed before its end (reset, connection gone). */
  closed(stream: Http2Stream): PingoraError;
  /** No bytes within the read timeout (when one is set). */
  timedOut?(): PingoraError;
}

/**
 * A stream's DATA, chunk by chunk. Each `read()` is what lets node:http2 give the window back
 * to the peer (WINDOW_UPDATE), so a consumer that stops reading stops the sender after one
 * window: nothing is buffered without bound. Leaving the loop early does not reset the stream.
 * One set of listeners and one deadline serve the whole body (not one per wait).
 */
export async function* readStream(
  stream: Http2Stream,
  failures: ReadFailures,
  wheel?: TimerWheel,
  timeoutMs?: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let chunk = stream.read() as Buffer | null;
  if (chunk === null && stream.readableEnded) return;
  let wake: (() => void) | undefined;
  let timeout: PingoraError | undefined;
  const onEvent = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let deadline: Deadline | undefined;
  stream.on('readable', onEvent);
  stream.on('end', onEvent);
  stream.on('close', onEvent);
  try {
    for (;;) {
      if (chunk !== null) {
        yield chunk;
        chunk = stream.read() as Buffer | null;
        continue;
      }
      if (stream.readableEnded) return;
      if (timeout !== undefined) throw timeout;
      // node:http2 keeps a stream that closed with NO_ERROR alive until its 'end' was read, so
      // a destroyed stream that did not end was reset or lost its connection.
      if (stream.destroyed) throw failures.closed(stream);
      if (wheel !== undefined && timeoutMs !== undefined && failures.timedOut !== undefined) {
        const onTimeout = failures.timedOut;
        if (deadline === undefined) {
          deadline = wheel.deadline(timeoutMs, () => {
            timeout = onTimeout();
            onEvent();
          });
        } else deadline.reset(timeoutMs);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      deadline?.cancel();
      chunk = stream.read() as Buffer | null;
    }
  } finally {
    deadline?.cancel();
    stream.off('readable', onEvent);
    stream.off('end', onEvent);
    stream.off('close', onEvent);
  }
}
