import type { DownstreamSession } from '@pingora-ts/proxy';

/** The comment line sent (RFC-free: the HTML Living Standard, section 9.2.6, ignores lines starting with a colon). */
const COMMENT = Buffer.from(': keepalive\n\n');

/**
 * Keeps an idle Server-Sent Events stream alive: when nothing went to the client for
 * `intervalMs` and the last bytes ended an event (a blank line), a comment line is written, so
 * that idle timeouts of proxies and load balancers on the way do not cut the stream. It never
 * writes in the middle of an event, nor while a write of the proxy waits for the client.
 */
export class SseKeepalive {
  private readonly downstream: DownstreamSession;
  private readonly intervalMs: number;
  private readonly timer: NodeJS.Timeout;
  private lastWrite = performance.now();
  private isAtBoundary = true;

  constructor(downstream: DownstreamSession, intervalMs: number, now = () => performance.now()) {
    this.downstream = downstream;
    this.intervalMs = intervalMs;
    this.lastWrite = now();
    // Checks twice per interval, so an idle stream hears from us within 1.5 intervals at most.
    this.timer = setInterval(() => this.tick(now()), Math.max(10, intervalMs / 2));
    this.timer.unref();
  }

  /** The proxy is about to write `chunk` to the client. */
  sawChunk(chunk: Uint8Array): void {
    this.lastWrite = performance.now();
    const n = chunk.length;
    // An event ends with an empty line: "\n\n" (or "\r\n\r\n") at the end of the bytes.
    this.isAtBoundary =
      n >= 2 && chunk[n - 1] === 0x0a && (chunk[n - 2] === 0x0a || chunk[n - 2] === 0x0d);
  }

  /** Stops the timer (the exchange ended); idempotent. */
  stop(): void {
    clearInterval(this.timer);
  }

  private tick(now: number): void {
    const d = this.downstream;
    if (d.isFinished || d.socket.destroyed) {
      this.stop();
      return;
    }
    if (now - this.lastWrite < this.intervalMs || !this.isAtBoundary) return;
    // A proxy write waiting for 'drain' may be between the parts of a chunk: never interleave.
    if (d.socket.writableNeedDrain || d.socket.writableCorked > 0 || d.response === undefined)
      return;
    this.lastWrite = now;
    d.write(COMMENT).catch(() => this.stop());
  }
}
