import type { Http2Stream } from 'node:http2';
import { h2CodeName } from './stream-error.js';

/**
 * Resets a stream (RST_STREAM). node:http2's `close(code)` first ends the writable side, so
 * the peer gets END_STREAM and sees a cut-short body as complete; only then does RST_STREAM
 * follow. While our side is still sending, `destroy(error)` is used instead: it resets at once,
 * with INTERNAL_ERROR (node picks the code). Once our side has ended, `close(code)` sends
 * `code` as asked.
 */
export function resetStream(stream: Http2Stream, code: number): void {
  if (stream.destroyed) return;
  if (stream.writableEnded) stream.close(code);
  else stream.destroy(new Error(`stream reset (${h2CodeName(code)})`));
}
