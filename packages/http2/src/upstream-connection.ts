import type { ClientHttp2Session } from 'node:http2';
import { PingoraError } from '@pingora-ts/error';
import type { Deadline, TimerWheel } from '@pingora-ts/timeout';
import type { ResolvedClientOptions } from './client-options.js';

/**
 * One pooled upstream HTTP/2 connection: how many streams it carries against its limit, a
 * PING every `pingIntervalMs` that must come back within `pingTimeoutMs`, an idle timer
 * while no stream is open, and what the peer's GOAWAY said. The connector owns it.
 * @internal
 */
export class UpstreamConnection {
  readonly session: ClientHttp2Session;
  /** Streams open now. */
  active = 0;
  /** Streams ever opened. */
  served = 0;
  /** The last stream id of the peer's GOAWAY (streams above it were not processed). */
  goawayLastStreamId: number | undefined;
  /** Why the connection failed, when we closed it (PING timeout). */
  failure: PingoraError | undefined;
  private readonly wheel: TimerWheel;
  private readonly options: ResolvedClientOptions;
  private readonly idleTimeoutMs: number;
  private pingTimer: Deadline | undefined;
  private idleTimer: Deadline | undefined;
  private readonly onGone: (c: UpstreamConnection) => void;

  constructor(
    session: ClientHttp2Session,
    wheel: TimerWheel,
    options: ResolvedClientOptions,
    idleTimeoutMs: number,
    onGone: (c: UpstreamConnection) => void,
  ) {
    this.session = session;
    this.wheel = wheel;
    this.options = options;
    this.idleTimeoutMs = idleTimeoutMs;
    this.onGone = onGone;
    session.on('goaway', (_code: number, lastStreamId: number) => {
      this.goawayLastStreamId = lastStreamId;
      this.onGone(this);
    });
    session.once('close', () => {
      this.pingTimer?.cancel();
      this.idleTimer?.cancel();
      this.onGone(this);
    });
    this.armPing();
    this.armIdle();
  }

  /** True while new streams may go on this connection. */
  get isUsable(): boolean {
    return this.goawayLastStreamId === undefined && !this.session.closed && !this.session.destroyed;
  }

  /** Streams this connection may carry at once: the peer's limit, capped by ours. */
  get limit(): number {
    const remote = this.session.remoteSettings.maxConcurrentStreams ?? 2 ** 32 - 1;
    return Math.min(remote, this.options.maxStreamsPerConnection);
  }

  /** True when another stream fits. */
  get hasRoom(): boolean {
    return this.isUsable && this.active < this.limit;
  }

  /** Takes a stream slot (`served > 1` afterwards means the connection was reused). */
  acquire(): void {
    this.active++;
    this.served++;
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
  }

  /** Gives a stream slot back. */
  release(): void {
    this.active--;
    if (this.active === 0) {
      if (this.isUsable) this.armIdle();
      else if (!this.session.destroyed) this.session.close();
    }
  }

  /** Closes the connection: gracefully when streams are open, at once otherwise. */
  close(): void {
    this.pingTimer?.cancel();
    this.idleTimer?.cancel();
    if (this.active === 0) this.session.destroy();
    else if (!this.session.closed) this.session.close();
  }

  private armIdle(): void {
    this.idleTimer = this.wheel.deadline(this.idleTimeoutMs, () => {
      if (this.active === 0) this.session.close();
    });
  }

  private armPing(): void {
    this.pingTimer = this.wheel.deadline(this.options.pingIntervalMs, () => this.ping());
  }

  private ping(): void {
    if (this.session.destroyed || this.session.closed) return;
    let isAnswered = false;
    const timeout = this.wheel.deadline(this.options.pingTimeoutMs, () => {
      if (isAnswered) return;
      this.failure = PingoraError.explain(
        'ReadTimedout',
        `HTTP/2 PING unanswered for ${this.options.pingTimeoutMs} ms`,
        { source: 'upstream', retry: 'never' },
      );
      this.session.destroy();
    });
    const sent = this.session.ping((error) => {
      isAnswered = true;
      timeout.cancel();
      if (error === null) this.armPing();
    });
    if (!sent) {
      timeout.cancel();
      this.armPing();
    }
  }
}
