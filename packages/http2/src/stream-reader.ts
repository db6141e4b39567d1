import type { Http2Stream } from 'node:http2';
import type { PingoraError } from '@pingora-ts/error';
import type { TimerWheel } from '@pingora-ts/timeout';

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
 */
export async function* readStream(
  stream: Http2Stream,
  failures: ReadFailures,
  wheel?: TimerWheel,
  timeoutMs?: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      yield chunk;
      continue;
    }
    if (stream.readableEnded) return;
    // node:http2 keeps a stream that closed with NO_ERROR alive until its 'end' was read, so
    // a destroyed stream that did not end was reset or lost its connection.
    if (stream.destroyed) throw failures.closed(stream);
    await waitReadable(stream, failures, wheel, timeoutMs);
  }
}

function waitReadable(
  stream: Http2Stream,
  failures: ReadFailures,
  wheel: TimerWheel | undefined,
  timeoutMs: number | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: PingoraError) => {
      timer?.cancel();
      stream.off('readable', onReady);
      stream.off('end', onReady);
      stream.off('close', onReady);
      stream.off('error', onReady);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => done();
    const timer =
      wheel !== undefined && timeoutMs !== undefined && failures.timedOut !== undefined
        ? wheel.deadline(timeoutMs, () => {
            const e = failures.timedOut?.();
            done(e);
          })
        : undefined;
    stream.on('readable', onReady);
    stream.on('end', onReady);
    stream.on('close', onReady);
    stream.on('error', onReady);
  });
}
