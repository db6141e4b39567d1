import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { type Deadline, defaultWheel, type TimerWheel } from '@pingora-ts/timeout';
import { CLOSE_CODES, isValidCloseCode } from './close-code.js';
import { DeflateCodec } from './deflate-codec.js';
import { parseExtensions } from './extension-header.js';
import { FrameWriter } from './frame-writer.js';
import { MessageReader, type MessageSink } from './message-reader.js';
import { OPCODES } from './opcode.js';
import { type ResolvedOptions, resolveOptions, type WebSocketOptions } from './options.js';
import { PERMESSAGE_DEFLATE, readDeflateResponse } from './permessage-deflate.js';
import { WebSocketMessage } from './websocket-message.js';

/** How a connection ended. */
export interface CloseInfo {
  /** The close code: the peer's (or ours, on a protocol error), 1005 without one, 1006 when no close frame was exchanged. */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
  /** True when both close frames were exchanged. */
  readonly wasClean: boolean;
  /** What went wrong, when something did (a protocol violation, a timeout, a lost connection). */
  readonly error?: PingoraError;
}

/** What {@link WebSocket.fromSocket} needs besides the socket. */
export interface WebSocketInit {
  /** `server` reads masked frames and sends unmasked ones; `client` the reverse. */
  role: 'server' | 'client';
  /** The agreed subprotocol (`Sec-WebSocket-Protocol`), `''` when none. */
  protocol?: string;
  /**
   * The agreed extensions, as the server's `Sec-WebSocket-Extensions` response value
   * (`''` when none). permessage-deflate is the only extension understood.
   */
  extensions?: string;
  /** Connection options. */
  options?: WebSocketOptions;
}

/** Connection state. */
export type ReadyState = 'open' | 'closing' | 'closed';

const RESOLVED = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One WebSocket connection (RFC 6455) on an upgraded socket, either side. Messages arrive
 * through the async iterator (which ends when the connection closes); `send` resolves at once
 * while the socket takes bytes and waits for `drain` when it does not; `close` runs the
 * closing handshake with a code and a reason. Pings are answered, and a quiet connection is
 * probed with pings and dropped when the peer stays silent. Read with one loop at a time;
 * leaving a `for await` loop early keeps the connection open, and a new loop reads on.
 *
 * @example
 * ```ts
 * for await (const message of ws) await ws.send(message.data, { binary: message.isBinary });
 * console.log((await ws.closed).code);
 * ```
 */
export class WebSocket implements AsyncIterable<WebSocketMessage> {
  /** The agreed subprotocol, `''` when none. */
  readonly protocol: string;
  /** The agreed extensions (the response's `Sec-WebSocket-Extensions`), `''` when none. */
  readonly extensions: string;
  /** True on the server side. */
  readonly isServer: boolean;
  /** The underlying socket. */
  readonly socket: Socket;
  /** Resolves once the socket is closed, with how the connection ended. Never rejects. */
  readonly closed: Promise<CloseInfo>;
  private readonly options: ResolvedOptions;
  private readonly reader: MessageReader;
  private readonly writer: FrameWriter;
  private readonly wheel: TimerWheel;
  private state: ReadyState = 'open';
  private readonly queue: WebSocketMessage[] = [];
  private queueHead = 0;
  private waiting: ((result: IteratorResult<WebSocketMessage, undefined>) => void) | undefined;
  private isPaused = false;
  private isCloseSent = false;
  private closeInfo: CloseInfo | undefined;
  private error: PingoraError | undefined;
  private drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private hasReceived = false;
  /** Messages waiting behind a compression on the thread pool. */
  private queuedSends = 0;
  private sendTail: Promise<void> = RESOLVED;
  /** A close frame held back until the queued messages are written. */
  private pendingClose: { code: number; reason: string } | undefined;
  private keepAlive: Deadline | undefined;
  private pongDeadline: Deadline | undefined;
  private closeDeadline: Deadline | undefined;
  private resolveClosed!: (info: CloseInfo) => void;

  // What the reader reports, forwarded to private methods (the sink is not public API).
  private readonly sink: MessageSink = {
    onMessage: (data, isBinary) => this.receivedMessage(data, isBinary),
    onPing: (data) => this.receivedPing(data),
    onPong: () => {},
    onClose: (code, reason) => this.receivedClose(code, reason),
    onProtocolError: (code, reason) => this.receivedProtocolError(code, reason),
  };

  private readonly onData = (chunk: Buffer): void => {
    this.hasReceived = true;
    if (this.pongDeadline !== undefined) {
      this.pongDeadline.cancel();
      this.pongDeadline = undefined;
    }
    this.reader.push(chunk);
  };
  private readonly onDrain = (): void => {
    const waiters = this.drainWaiters;
    if (waiters.length === 0) return;
    this.drainWaiters = [];
    for (const w of waiters) w.resolve();
  };
  private readonly onSocketClose = (): void => this.finish();
  private readonly onSocketError = (error: Error): void => {
    this.error ??= PingoraError.because('ReadError', 'WebSocket connection failed', error, {
      source: this.peerSource,
    });
  };
  private readonly onKeepAlive = (): void => this.keepAliveTick();
  private readonly onPongTimeout = (): void => {
    this.pongDeadline = undefined;
    this.error ??= PingoraError.explain('ReadTimedout', 'no answer to a WebSocket ping in time', {
      source: this.peerSource,
    });
    this.socket.destroy();
  };
  private readonly onCloseTimeout = (): void => {
    this.closeDeadline = undefined;
    this.socket.destroy();
  };

  /** @internal Use {@link WebSocket.fromSocket}, `acceptWebSocket` or `connectWebSocket`. */
  constructor(socket: Socket, head: Buffer, init: WebSocketInit) {
    this.socket = socket;
    this.isServer = init.role === 'server';
    this.protocol = init.protocol ?? '';
    this.extensions = init.extensions ?? '';
    this.options = resolveOptions(init.options);
    this.wheel = this.options.wheel ?? defaultWheel();
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.resolveClosed = resolve;
    });
    const codec = this.makeCodec();
    this.reader = new MessageReader(
      this.isServer,
      this.sink,
      { maxFrameBytes: this.options.maxFrameBytes, maxMessageBytes: this.options.maxMessageBytes },
      codec,
    );
    this.writer = new FrameWriter(socket, !this.isServer, codec, this.options.fragmentSize);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('close', this.onSocketClose);
    socket.on('error', this.onSocketError);
    if (socket.destroyed) {
      queueMicrotask(this.onSocketClose);
    } else {
      if (head.length > 0) this.onData(head);
      socket.resume();
      this.armKeepAlive();
    }
  }

  /**
   * A connection on a socket whose handshake is already done (by a proxy, say): `head` holds
   * bytes read past the handshake, which are the first frame bytes.
   */
  static fromSocket(socket: Socket, head: Buffer, init: WebSocketInit): WebSocket {
    return new WebSocket(socket, head, init);
  }

  /** `open`, `closing` (a close frame was sent or received), or `closed` (socket gone). */
  get readyState(): ReadyState {
    return this.state;
  }

  /**
   * How the connection is ending, as soon as that is known (a close frame received, a protocol
   * violation); `undefined` before. {@link WebSocket.closed} gives the final word.
   */
  get closeStatus(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** Bytes written but not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /**
   * Sends a message: strings as text, bytes as binary unless `binary: false` (the bytes must
   * then be UTF-8). Resolves at once while the socket takes bytes, and after `drain` when its
   * buffer is full (backpressure). Rejects with `ConnectionClosed` once closing.
   */
  send(data: string | Uint8Array, options?: { binary?: boolean }): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.closedError('sending a message'));
    if (this.queuedSends > 0 || this.writer.isAsync(data.length)) {
      // Compression on the thread pool, or a message behind one: keep the order on the wire.
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      return this.sendInOrder(bytes, typeof data === 'string' ? false : (options?.binary ?? true));
    }
    const ok =
      typeof data === 'string'
        ? this.writer.writeText(data)
        : this.writer.writeMessage(data, options?.binary ?? true);
    return ok ? RESOLVED : this.drained();
  }

  /** Sends a ping (at most 125 bytes of application data). */
  ping(data: Uint8Array = Buffer.alloc(0)): void {
    if (data.length > 125) throw new RangeError('ping data is limited to 125 bytes (RFC 6455 5.5)');
    if (this.state === 'open') this.writer.writeFrame(OPCODES.PING, data, true, false);
  }

  /**
   * Starts the closing handshake (RFC 6455 7.1.2) with `code` (1000, 1001-1003, 1007-1014 or
   * 3000-4999; 1005 sends a close frame without a code) and a reason of at most 123 UTF-8
   * bytes, after any messages still waiting to be sent. The socket is dropped if the peer does
   * not answer within `closeTimeoutMs`. Resolves with how the connection ended.
   */
  close(code: number = CLOSE_CODES.NORMAL, reason = ''): Promise<CloseInfo> {
    const isEmpty = code === CLOSE_CODES.NO_STATUS;
    if (!isEmpty && !isValidCloseCode(code)) throw new RangeError(`invalid close code ${code}`);
    if (Buffer.byteLength(reason) > 123) throw new RangeError('close reason over 123 bytes');
    if (isEmpty && reason !== '') throw new RangeError('a close without a code has no reason');
    if (this.state === 'open') {
      this.state = 'closing';
      if (this.queuedSends > 0) this.pendingClose = { code: isEmpty ? 0 : code, reason };
      else this.sendClose(isEmpty ? 0 : code, reason);
      this.closeDeadline = this.wheel.deadline(this.options.closeTimeoutMs, this.onCloseTimeout);
    }
    return this.closed;
  }

  /** Drops the connection at once, without a closing handshake (code 1006). */
  terminate(): void {
    this.socket.destroy();
  }

  [Symbol.asyncIterator](): AsyncIterator<WebSocketMessage, undefined> {
    return {
      next: () => this.next(),
      return: () => Promise.resolve(DONE),
    };
  }

  private next(): Promise<IteratorResult<WebSocketMessage, undefined>> {
    if (this.queueHead < this.queue.length) {
      const message = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as WebSocketMessage;
      if (this.queueHead === this.queue.length) {
        this.queue.length = 0;
        this.queueHead = 0;
      }
      if (
        this.isPaused &&
        this.queue.length - this.queueHead <= this.options.maxQueuedMessages >> 1
      ) {
        this.isPaused = false;
        this.socket.resume();
      }
      return Promise.resolve({ done: false, value: message });
    }
    if (this.state !== 'open' && this.reader.isStopped) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private receivedMessage(data: Buffer, isBinary: boolean): void {
    const message = new WebSocketMessage(data, isBinary);
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting({ done: false, value: message });
      return;
    }
    this.queue.push(message);
    if (!this.isPaused && this.queue.length - this.queueHead >= this.options.maxQueuedMessages) {
      this.isPaused = true;
      this.socket.pause();
    }
  }

  private receivedPing(data: Buffer): void {
    // RFC 6455 5.5.3: a pong carries the ping's application data.
    if (!this.isCloseSent) this.writer.writeFrame(OPCODES.PONG, data, true, false);
  }

  private receivedClose(code: number, reason: string): void {
    this.closeInfo = { code, reason, wasClean: true };
    if (!this.isCloseSent) {
      // RFC 6455 5.5.1: answer with a close frame, echoing the code (and the reason).
      this.state = 'closing';
      this.sendClose(code === CLOSE_CODES.NO_STATUS ? 0 : code, reason);
    }
    this.endIterator();
    // Both close frames are out: end our half of TCP now (RFC 6455 7.1.1 has the server close
    // first; a client ending too, as browsers and ws do, only saves a round trip), and drop the
    // socket if the peer does not finish within closeTimeoutMs.
    this.socket.end();
    this.closeDeadline?.cancel();
    this.closeDeadline = this.wheel.deadline(this.options.closeTimeoutMs, this.onCloseTimeout);
  }

  private receivedProtocolError(code: number, reason: string): void {
    this.error ??= PingoraError.explain('ReadError', 'WebSocket protocol violation', {
      source: this.peerSource,
      detail: { rule: `RFC 6455: ${reason}` },
    });
    this.closeInfo = { code, reason, wasClean: false, error: this.error };
    if (!this.isCloseSent) {
      this.state = 'closing';
      this.sendClose(code, reason.slice(0, 123));
    }
    this.endIterator();
    this.socket.end();
    this.closeDeadline?.cancel();
    this.closeDeadline = this.wheel.deadline(this.options.closeTimeoutMs, this.onCloseTimeout);
  }

  private get peerSource(): 'downstream' | 'upstream' {
    return this.isServer ? 'downstream' : 'upstream';
  }

  private makeCodec(): DeflateCodec | undefined {
    const deflate = this.options.perMessageDeflate;
    if (this.extensions === '') return undefined;
    const offers = parseExtensions([this.extensions]);
    const offer = offers?.find((o) => o.name === PERMESSAGE_DEFLATE);
    if (offer === undefined) return undefined;
    const params = readDeflateResponse(offer);
    if (typeof params === 'string')
      throw new TypeError(`invalid permessage-deflate response: ${params}`);
    return new DeflateCodec(
      this.isServer ? 'server' : 'client',
      params,
      deflate ?? {},
      this.options.maxMessageBytes,
    );
  }

  private flushPendingClose(): void {
    const pending = this.pendingClose;
    if (pending === undefined) return;
    this.pendingClose = undefined;
    if (!this.isCloseSent) this.sendClose(pending.code, pending.reason);
  }

  private sendClose(code: number, reason: string): void {
    this.isCloseSent = true;
    let payload: Buffer;
    if (code === 0) payload = Buffer.alloc(0);
    else {
      payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2, 'utf8');
    }
    if (!this.socket.destroyed && this.socket.writable) {
      this.writer.writeFrame(OPCODES.CLOSE, payload, true, false);
    }
  }

  private armKeepAlive(): void {
    if (this.options.pingIntervalMs > 0) {
      this.keepAlive = this.wheel.deadline(this.options.pingIntervalMs, this.onKeepAlive);
    }
  }

  private keepAliveTick(): void {
    this.keepAlive = undefined;
    if (this.state !== 'open') return;
    // A socket paused because nobody reads the messages is quiet by our choice, not the peer's.
    if (!this.hasReceived && !this.isPaused && this.pongDeadline === undefined) {
      this.writer.writeFrame(OPCODES.PING, Buffer.alloc(0), true, false);
      this.pongDeadline = this.wheel.deadline(this.options.pongTimeoutMs, this.onPongTimeout);
    }
    this.hasReceived = false;
    this.armKeepAlive();
  }

  private endIterator(): void {
    const waiting = this.waiting;
    if (waiting !== undefined && this.queueHead === this.queue.length) {
      this.waiting = undefined;
      waiting(DONE);
    }
    if (this.isPaused) {
      this.isPaused = false;
      this.socket.resume();
    }
  }

  /**
   * Sends after the messages queued before it; a large message is compressed on the thread
   * pool meanwhile. Frames go out in the order `send` was called, never after a close frame.
   */
  private sendInOrder(bytes: Uint8Array, isBinary: boolean): Promise<void> {
    this.queuedSends++;
    const compressed = this.writer.isAsync(bytes.length)
      ? this.writer.compressLater(bytes)
      : undefined;
    const previous = this.sendTail;
    const done = (async () => {
      try {
        const payload = compressed === undefined ? undefined : await compressed;
        await previous;
        if (this.isCloseSent || this.socket.destroyed) throw this.closedError('sending a message');
        const ok =
          payload === undefined
            ? this.writer.writeMessage(bytes, isBinary)
            : this.writer.writePayload(payload, isBinary, true);
        if (!ok) await this.drained();
      } finally {
        this.queuedSends--;
        if (this.queuedSends === 0) this.flushPendingClose();
      }
    })();
    this.sendTail = done.catch(() => {});
    return done;
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.drainWaiters.push({ resolve, reject });
    });
  }

  private closedError(context: string): PingoraError {
    return PingoraError.explain('ConnectionClosed', `${context}: the WebSocket is ${this.state}`, {
      source: this.peerSource,
      retry: 'never',
    });
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.reader.stop();
    this.writer.close();
    this.keepAlive?.cancel();
    this.pongDeadline?.cancel();
    this.closeDeadline?.cancel();
    this.socket.off('data', this.onData);
    this.socket.off('drain', this.onDrain);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.reject(this.closedError('waiting to send'));
    this.endIterator();
    let info = this.closeInfo;
    if (info === undefined) {
      const error =
        this.error ??
        PingoraError.explain('ConnectionClosed', 'WebSocket closed without a close frame', {
          source: this.peerSource,
          retry: 'never',
        });
      info = { code: CLOSE_CODES.ABNORMAL, reason: '', wasClean: false, error };
    }
    this.resolveClosed(info);
  }
}
