import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { type ParsedRequest, RequestHeadParser, reasonPhrase } from '@pingora-ts/http-parser';
import type { Deadline, TimerWheel } from '@pingora-ts/timeout';
import { ByteSource } from './byte-source.js';
import { drained } from './drained.js';
import { HttpSession, type KeepAlivePolicy } from './http-session.js';
import type { ResolvedOptions } from './options.js';

/** What a server does with each request. */
export type Handler = (session: HttpSession) => void | Promise<void>;

/**
 * The request loop of one downstream connection: read a head (idle keep-alive timeout before
 * its first byte, header timeout after it), run the handler, finish the response, read what is
 * left of the request body, and go on with the next (pipelined) request while keep-alive
 * holds. Bad input gets its status (400, 414, 431, 413, 408) with `Connection: close`.
 */
export class DownstreamConnection implements KeepAlivePolicy {
  readonly socket: Socket;
  private readonly source: ByteSource;
  private readonly handler: Handler;
  private readonly options: ResolvedOptions;
  private readonly wheel: TimerWheel;
  private isIdle = true;
  private isClosing = false;
  private served = 0;
  private readonly parser: RequestHeadParser;
  /**
   * The connection's one deadline between requests, made once and moved (`reset`) for each
   * head: the keep-alive idle timer while `isTimerIdle`, else the header timer.
   */
  private timer: Deadline | undefined;
  private isTimerIdle = false;
  /** Whether the header timer runs for the head being read. */
  private isHeadStarted = false;
  private readonly onTimer = (): void => {
    if (this.isTimerIdle) this.socket.end();
    else this.timeout();
  };
  /** Resolves when the connection is done (closed or handed over). */
  readonly done: Promise<void>;

  constructor(socket: Socket, handler: Handler, options: ResolvedOptions, wheel: TimerWheel) {
    this.socket = socket;
    this.handler = handler;
    this.options = options;
    this.wheel = wheel;
    this.source = new ByteSource(socket);
    this.parser = new RequestHeadParser(options.parse);
    socket.setNoDelay(true);
    this.done = this.run().catch(() => {
      socket.destroy();
    });
  }

  /** True between exchanges (no request in progress). */
  get idle(): boolean {
    return this.isIdle;
  }

  /** Requests served so far. */
  get requests(): number {
    return this.served;
  }

  /** Whether the exchange in progress may leave the connection open (not closing, under the cap). */
  mayKeepAlive(): boolean {
    const max = this.options.maxRequestsPerConnection;
    return !this.isClosing && (max === 0 || this.served < max);
  }

  /** Stops after the exchange in progress (closing at once when idle). */
  closeGracefully(): void {
    this.isClosing = true;
    if (this.isIdle) this.socket.end();
  }

  private async run(): Promise<void> {
    for (;;) {
      this.isIdle = true;
      if (this.isClosing) return this.finish();
      // The next head, read here rather than in an async helper of its own (a frame and an
      // await fewer per request); the helpers around the wait are synchronous.
      this.beginHead();
      let parsed: ParsedRequest | null | undefined;
      do {
        let chunk = this.source.take();
        while (chunk === undefined) {
          await this.source.arrival();
          chunk = this.source.take();
        }
        parsed = this.pushHead(chunk);
      } while (parsed === undefined);
      this.timer?.cancel();
      if (parsed === null) return this.finish();
      // A response written whole may still wait in the socket's buffer (see writeResponse):
      // the next exchange starts once it drained.
      if (this.socket.writableNeedDrain) {
        try {
          await drained(this.socket, this.wheel, this.options.writeTimeoutMs);
        } catch {
          this.socket.destroy(); // closed or timed out: nothing more to answer
          return;
        }
      }
      this.isIdle = false;
      this.served++;
      const index = this.served - 1;
      let session: HttpSession;
      try {
        session = new HttpSession(
          this.socket,
          this.source,
          parsed,
          index,
          this,
          this.wheel,
          this.options,
        );
      } catch (error) {
        return this.reject(PingoraError.from(error).intoDownstream());
      }
      try {
        await this.handler(session);
        if (session.wasUpgraded) return;
        if (!session.isFinished) await session.end();
      } catch (error) {
        if (session.wasUpgraded) return;
        const e = PingoraError.from(error, 'InternalError', 'handling a request');
        if (session.response === undefined) return this.reject(e);
        this.socket.destroy();
        return;
      }
      if (!session.keepAlive) return this.finish();
      // Read (and drop) what the handler left of the request body before the next request.
      if (!session.isBodyDone) {
        try {
          for await (const _ of session.body()) {
            // discard
          }
        } catch {
          this.socket.destroy();
          return;
        }
      }
    }
  }

  /**
   * Arms the timer for the next head. Bytes already here (pipelining): no wait, so no timer.
   * Otherwise the idle keep-alive timer (the header timer for a connection's first request)
   * until the first byte, then the header timer, armed only when the first chunk did not
   * complete the head (see {@link DownstreamConnection.pushHead}).
   */
  private beginHead(): void {
    const isFirst = this.served === 0;
    const isWaiting = !this.source.hasBuffered;
    if (isWaiting) {
      this.arm(isFirst ? this.options.headerTimeoutMs : this.options.keepAliveTimeoutMs, !isFirst);
    }
    this.isHeadStarted = isFirst && isWaiting; // the header timer is running
  }

  /**
   * Feeds the parser the next chunk: the head once complete, `null` when the client left or
   * the head was rejected (answered and closing), `undefined` when more bytes are needed. One
   * parser per connection: it starts over by itself after each head, and remembers a
   * `Connection: close` (RFC 9112 9.6) across them.
   */
  private pushHead(chunk: Buffer | null): ParsedRequest | null | undefined {
    if (chunk === null) return null;
    let parsed: ParsedRequest | null;
    try {
      parsed = this.parser.push(chunk);
    } catch (error) {
      this.reject(PingoraError.from(error, 'H1Error').intoDownstream());
      return null;
    }
    if (parsed !== null) {
      if (parsed.consumed < chunk.length) this.source.unshift(chunk.subarray(parsed.consumed));
      return parsed;
    }
    if (!this.isHeadStarted) {
      this.isHeadStarted = true;
      this.isIdle = false;
      this.arm(this.options.headerTimeoutMs, false);
    }
    return undefined;
  }

  /** Runs {@link DownstreamConnection.onTimer} `ms` from now (as the idle timer if `isIdle`). */
  private arm(ms: number, isIdle: boolean): void {
    this.isTimerIdle = isIdle;
    if (this.timer === undefined) this.timer = this.wheel.deadline(ms, this.onTimer);
    else this.timer.reset(ms);
  }

  /** 408 for a head that did not arrive in time (slowloris), then close. */
  private timeout(): void {
    this.reject(
      PingoraError.explain('ReadTimedout', 'request head not received in time', {
        source: 'downstream',
      }),
    );
  }

  /** Answers an error with its downstream status and `Connection: close`, then closes. */
  private reject(error: PingoraError): void {
    this.isClosing = true;
    const status = error.downstreamStatus();
    if (status === undefined || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    this.socket.end(
      `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    // A client that never reads its answer must not hold the socket.
    this.wheel.deadline(this.options.writeTimeoutMs, () => this.socket.destroy());
  }

  private finish(): void {
    if (!this.socket.destroyed) this.socket.end();
  }
}
