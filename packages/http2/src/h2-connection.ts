import http2, { constants, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import type { TimerWheel } from '@pingora-ts/timeout';
import { H2Session, type H2SessionContext } from './h2-session.js';
import { requestFromH2 } from './header-translation.js';
import type { ResolvedServerOptions } from './options.js';
import { h2CodeName } from './stream-error.js';

/** Runs one exchange; a rejection answers 500 (or resets the stream if the head went out). */
export type H2Handler = (session: H2Session) => void | Promise<void>;

/** What a connection needs from its server. @internal */
export interface H2ConnectionContext {
  readonly handler: H2Handler;
  readonly options: ResolvedServerOptions;
  readonly wheel: TimerWheel;
  readonly clock: () => number;
}

/** The 'error' listener of every stream: one function for all, not a closure per stream. */
function ignoreError(): void {}

/**
 * One downstream HTTP/2 connection (ALPN h2 over TLS, or h2c with prior knowledge): node:http2
 * (nghttp2) does framing, HPACK and flow control; each stream becomes an {@link H2Session}
 * given to the handler. Guards: a cap on client resets per window (CVE-2023-44487 rapid
 * reset: GOAWAY ENHANCE_YOUR_CALM and close), a cap on handlers still running for streams the
 * client already closed (new streams are refused past it), the header list size limit
 * (enforced by nghttp2, which since 1.61 also caps CONTINUATION frames per header block:
 * CVE-2024-28182, the CONTINUATION flood).
 */
export class H2Connection {
  /** The accepted socket. */
  readonly socket: Socket;
  /** The node:http2 session. */
  readonly session: ServerHttp2Session;
  /** Resolves once the connection is closed. */
  readonly closed: Promise<void>;
  private readonly context: H2ConnectionContext;
  private inFlight = 0;
  private resetCount = 0;
  private windowStart: number;
  private isShutDown = false;
  private wasCutOff = false;
  /** Shared by every stream of the connection. */
  private readonly sessionContext: H2SessionContext;

  /** @internal */
  constructor(socket: Socket, context: H2ConnectionContext) {
    this.socket = socket;
    this.context = context;
    this.windowStart = context.clock();
    this.sessionContext = {
      socket,
      wheel: context.wheel,
      writeTimeoutMs: context.options.writeTimeoutMs,
      onClose: (session) => {
        if (session.stream.rstCode !== constants.NGHTTP2_NO_ERROR && !session.wasResetLocally) {
          this.countReset();
        }
      },
    };
    const o = context.options;
    this.session = http2.performServerHandshake(socket, {
      settings: {
        maxConcurrentStreams: o.maxConcurrentStreams,
        initialWindowSize: o.initialWindowSize,
        maxHeaderListSize: o.maxHeaderListSize,
      },
      maxHeaderListPairs: o.maxHeaderListPairs,
      maxSessionMemory: o.maxSessionMemory,
    });
    this.closed = new Promise<void>((resolve) => this.session.once('close', resolve));
    this.session.on('error', () => {});
    socket.on('error', () => {});
    this.session.on('stream', (stream, _headers, flags, raw) =>
      this.onStream(stream, flags, raw as unknown as string[]),
    );
    this.session.setTimeout(o.idleTimeoutMs, () => {
      if (this.inFlight === 0) this.session.close();
    });
  }

  /** Streams whose handler is still running. */
  get activeStreams(): number {
    return this.inFlight;
  }

  /** True when the rapid-reset guard closed this connection. */
  get isCutOff(): boolean {
    return this.wasCutOff;
  }

  /**
   * Graceful close: GOAWAY (NO_ERROR) so the client opens no new stream, in-flight streams
   * finish, then the connection closes; after `gracefulTimeoutMs` it is cut.
   */
  async closeGracefully(): Promise<void> {
    if (!this.isShutDown) {
      this.isShutDown = true;
      if (!this.session.destroyed) this.session.close();
      const timer = this.context.wheel.deadline(this.context.options.gracefulTimeoutMs, () =>
        this.destroy(),
      );
      this.closed.then(() => timer.cancel());
    }
    await this.closed;
  }

  /** Closes the connection at once (GOAWAY with `code`, then the socket). */
  destroy(code: number = constants.NGHTTP2_NO_ERROR): void {
    // node:http2 writes the GOAWAY, then ends the socket; destroying the socket here as well
    // would drop the GOAWAY unsent. An error object must go with the code: destroy(undefined,
    // code) lets the first parameter's default (NO_ERROR) overwrite the code.
    if (this.session.destroyed) {
      if (!this.socket.destroyed) this.socket.destroy();
    } else if (code === constants.NGHTTP2_NO_ERROR) {
      this.session.destroy();
    } else {
      this.session.destroy(
        PingoraError.explain('H2Error', `closing the connection with ${h2CodeName(code)}`, {
          source: 'downstream',
        }),
        code,
      );
    }
  }

  private onStream(stream: ServerHttp2Stream, flags: number, raw: string[]): void {
    const o = this.context.options;
    // Errors surface through the session's calls; an unheard 'error' must not crash.
    stream.on('error', ignoreError);
    // Handlers of streams the client reset keep running until they notice; past this many the
    // work no longer tracks the streams nghttp2 counts, which is what rapid reset exploits.
    if (this.inFlight >= o.maxConcurrentStreams * 2) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      this.countReset();
      return;
    }
    // RFC 9113 6.5.2: the size of a field is name + value + 32. nghttp2 enforces our limit only
    // once the client acknowledged our SETTINGS; this check holds from the first stream.
    let size = 0;
    for (let i = 0; i < raw.length; i++) size += (raw[i] as string).length + (i % 2 === 0 ? 32 : 0);
    if (size > o.maxHeaderListSize) {
      stream.respond({ ':status': 431 }, { endStream: true });
      return;
    }
    const request = requestFromH2(raw);
    const isDone = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const session = new H2Session(stream, request, isDone, this.sessionContext);
    this.inFlight++;
    void this.run(session);
  }

  private async run(session: H2Session): Promise<void> {
    try {
      await this.context.handler(session);
      if (!session.isFinished && !session.stream.destroyed) await session.end();
    } catch (error) {
      if (session.stream.destroyed) return;
      if (session.response === undefined) {
        const status = PingoraError.from(error).downstreamStatus() ?? 500;
        await session.respond(status, '').catch(() => session.abort());
      } else {
        session.abort();
      }
    } finally {
      this.inFlight--;
    }
  }

  private countReset(): void {
    const now = this.context.clock();
    const o = this.context.options;
    if (now - this.windowStart >= o.resetWindowMs) {
      this.windowStart = now;
      this.resetCount = 0;
    }
    this.resetCount++;
    if (this.resetCount > o.maxResetsPerWindow && !this.wasCutOff) {
      this.wasCutOff = true;
      // RFC 9113 5.4.1 / CVE-2023-44487: a connection error, GOAWAY ENHANCE_YOUR_CALM.
      this.destroy(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    }
  }
}
