import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import {
  BodyDecoder,
  encodeChunk,
  encodeLastChunk,
  encodeRequestHead,
  type ParsedResponse,
  type RequestHeader,
  type ResponseHeader,
  ResponseHeadParser,
  shouldKeepAlive,
} from '@pingora-ts/http-parser';
import type { IdleWatcher } from '@pingora-ts/pool';
import { type TimerWheel, whenDrained } from '@pingora-ts/timeout';
import { type ChunkWaiter, SocketReader } from './socket-reader.js';

const EMPTY = new Uint8Array(0);
/** The settled answer of a write the socket took at once, shared rather than made per write. */
const WRITTEN: Promise<void> = Promise.resolve();

/**
 * What a kept-alive connection keeps between exchanges: its reader, which stays on the socket
 * while the socket sits in the pool (so that an exchange on a pooled connection adds and
 * removes no listeners: four of each per request otherwise, and a tick of stream bookkeeping
 * for each change), and its response parser (reset for each head rather than made anew).
 */
interface Kept {
  readonly reader: SocketReader;
  readonly parser: ResponseHeadParser;
}
const kept = new WeakMap<Socket, Kept>();

/** A request body: bytes known up front (Content-Length) or a stream (chunked). */
export type RequestBody = Uint8Array | AsyncIterable<Uint8Array>;

/** What happens to the connection once the exchange is over. */
export type ReleaseOutcome = 'reused' | 'closed';

/**
 * Told how an exchange left its connection. With `'reused'` comes the connection's reader as
 * an `IdleWatcher` for `ConnectionPool.put`, which then adds no listeners of its own.
 */
export type ReleaseHandler = (
  socket: Socket,
  outcome: ReleaseOutcome,
  watcher?: IdleWatcher,
) => void;

/**
 * One HTTP/1.1 exchange on one upstream connection, driven step by step: write the request
 * head and body, read the response head (1xx skipped, 101 reported), stream the response body.
 * When the body has been read to its end and both sides allow keep-alive (RFC 9112 9.3),
 * `onRelease(socket, 'reused', watcher)` gets the connection back for the pool (with the reader,
 * which watches it while idle: pass it on to `ConnectionPool.put`); otherwise it is closed.
 */
export class UpstreamSession implements ChunkWaiter {
  /** The connection. */
  readonly socket: Socket;
  /** True when the connection came from the pool. */
  readonly isReused: boolean;
  private readonly reader: SocketReader;
  private readonly parser: ResponseHeadParser;
  private readonly wheel: TimerWheel;
  private readonly writeTimeoutMs: number;
  private readonly onRelease: ReleaseHandler;
  private request: RequestHeader | undefined;
  private parsed: ParsedResponse | undefined;
  private leftover: Buffer | undefined;
  private isFinished = false;
  private isWritten = false;
  /** While `takeCompleteBody(true)` lends the body: whether the connection may be reused. */
  private heldReuse: boolean | undefined;
  /** Settlers of the promise {@link UpstreamSession.readResponseHead} returned, while it waits. */
  private resolveHead: ((head: ResponseHeader) => void) | undefined;
  private rejectHead: ((error: PingoraError) => void) | undefined;

  constructor(options: {
    socket: Socket;
    isReused: boolean;
    wheel: TimerWheel;
    readTimeoutMs: number;
    writeTimeoutMs: number;
    onRelease: ReleaseHandler;
  }) {
    this.socket = options.socket;
    this.isReused = options.isReused;
    this.wheel = options.wheel;
    this.writeTimeoutMs = options.writeTimeoutMs;
    this.onRelease = options.onRelease;
    let state = kept.get(options.socket);
    if (state === undefined) {
      state = {
        reader: new SocketReader(options.socket, options.wheel, options.readTimeoutMs),
        parser: new ResponseHeadParser(),
      };
      kept.set(options.socket, state);
    } else {
      state.reader.reuse(options.wheel, options.readTimeoutMs);
    }
    this.reader = state.reader;
    this.parser = state.parser;
  }

  /**
   * True once the whole request went to the socket: right after `writeRequest` returns, true
   * means its promise is already resolved (the socket took the request at once).
   */
  get isRequestWritten(): boolean {
    return this.isWritten;
  }

  /** True once any response byte has arrived (a failure after that is never retried). */
  get hasResponseBytes(): boolean {
    return this.reader.received > 0;
  }

  /**
   * Writes the request head, then the body: a `Uint8Array` with a Content-Length (added when
   * absent), or a stream as chunked (unless the head has a Content-Length). Waits on
   * backpressure with the write timeout.
   */
  writeRequest(head: RequestHeader, body?: RequestBody): Promise<void> {
    this.request = head;
    if (body !== undefined) return this.writeRequestWithBody(head, body);
    // A bodiless request is one write, most often taken at once: no async frame for it.
    let written: Promise<void>;
    try {
      written = this.write(encodeRequestHead(head));
    } catch (error) {
      return Promise.reject(this.writeFailure(error));
    }
    if (written === WRITTEN) {
      this.isWritten = true;
      return WRITTEN;
    }
    return written.then(
      () => {
        this.isWritten = true;
      },
      (error: unknown) => {
        throw this.writeFailure(error);
      },
    );
  }

  private async writeRequestWithBody(head: RequestHeader, body: RequestBody): Promise<void> {
    const h = head.headers;
    try {
      if (body instanceof Uint8Array) {
        if (!h.has('content-length') && !h.has('transfer-encoding')) {
          h.set('Content-Length', String(body.length));
        }
        const headBytes = encodeRequestHead(head);
        await this.write(body.length < 16_384 ? Buffer.concat([headBytes, body]) : headBytes);
        if (body.length >= 16_384) await this.write(body);
      } else {
        const isChunked = !h.has('content-length');
        if (isChunked && !h.has('transfer-encoding')) h.set('Transfer-Encoding', 'chunked');
        await this.write(encodeRequestHead(head));
        for await (const chunk of body) {
          if (chunk.length === 0) continue;
          if (!isChunked) await this.write(chunk);
          else for (const part of encodeChunk(chunk)) await this.write(part);
        }
        if (isChunked) await this.write(encodeLastChunk());
      }
      this.isWritten = true;
    } catch (error) {
      throw this.writeFailure(error);
    }
  }

  /** Closes the connection and makes the error for a failed request write. */
  private writeFailure(error: unknown): PingoraError {
    this.close();
    return this.failure(error, 'WriteError', 'writing the request');
  }

  /**
   * Reads the response head. Interim 1xx responses are skipped, except 101 (Switching
   * Protocols), which is returned: the socket then belongs to the new protocol.
   *
   * The head is parsed in the socket's read callback as its bytes come (no promise per read,
   * no async frame): the promise returned is the only one, settled when the head is whole.
   */
  readResponseHead(): Promise<ResponseHeader> {
    this.parser.reset();
    const pending = this.leftover;
    this.leftover = undefined;
    return new Promise<ResponseHeader>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
      if (pending !== undefined) this.onChunk(pending);
      else this.reader.wait(this);
    });
  }

  /**
   * The response head's bytes, as they come ({@link ChunkWaiter}): parsed, and the head handed
   * out once whole. @internal
   */
  onChunk(chunk: Buffer | null | PingoraError): void {
    try {
      if (chunk instanceof PingoraError) throw chunk;
      if (chunk === null) {
        throw PingoraError.explain(
          'ConnectionClosed',
          this.hasResponseBytes
            ? 'upstream closed the connection inside the response head'
            : 'upstream closed the connection before responding',
          { source: 'upstream', retry: this.hasResponseBytes ? 'never' : 'reused' },
        );
      }
      const parsed = this.parser.push(chunk, this.request?.method ?? 'GET');
      if (parsed === null) {
        this.reader.wait(this);
        return;
      }
      const rest: Buffer | undefined =
        parsed.consumed < chunk.length ? chunk.subarray(parsed.consumed) : undefined;
      const status = parsed.head.status;
      if (status >= 100 && status < 200 && status !== 101) {
        this.parser.reset();
        if (rest !== undefined) this.onChunk(rest);
        else this.reader.wait(this);
        return;
      }
      this.parsed = parsed;
      this.leftover = rest;
      const resolve = this.resolveHead;
      this.resolveHead = this.rejectHead = undefined;
      resolve?.(parsed.head);
    } catch (error) {
      const reject = this.rejectHead;
      this.resolveHead = this.rejectHead = undefined;
      this.close();
      reject?.(this.failure(error, 'ReadError', 'reading the response head'));
    }
  }

  /**
   * The whole body when it came with the head (none, or a Content-Length body already read):
   * the exchange is then over and the connection released, with no generator and no read.
   * `undefined` when more bytes are due: read them with {@link UpstreamSession.body}.
   *
   * On a connection with a read buffer the body is a copy, unless `borrow` asks for a view of
   * the buffer: the connection then stays out of the pool until {@link UpstreamSession.release}
   * (or `close`), which the caller calls once nothing holds the bytes any more (a socket write
   * of them that did not complete at once still does).
   */
  takeCompleteBody(borrow = false): Uint8Array | undefined {
    const parsed = this.parsed;
    if (parsed === undefined) throw new TypeError('readResponseHead() first');
    const framing = parsed.body;
    if (framing.kind !== 'none' && framing.kind !== 'length') return undefined;
    const left = this.leftover;
    const have = left?.length ?? 0;
    if (have < framing.length) return undefined;
    this.leftover = undefined;
    const canReuse =
      have === framing.length &&
      !this.reader.hasUnread &&
      shouldKeepAlive(this.request!, parsed.head, false);
    if (left === undefined) {
      this.finish(canReuse);
      return EMPTY;
    }
    const body = left.subarray(0, framing.length);
    if (!this.reader.isBorrowing) {
      this.finish(canReuse);
      return body;
    }
    if (borrow) {
      // Held: the socket's next read goes into the other half of the buffer (and stops it, as
      // nobody waits for it), so the bytes stay as they are until the caller releases them.
      this.heldReuse = canReuse;
      return body;
    }
    // The connection's next read may come as soon as it is back in the pool: a copy.
    const copy = Buffer.from(body);
    this.finish(canReuse);
    return copy;
  }

  /**
   * Ends an exchange whose body `takeCompleteBody(true)` lent: the connection goes back to the
   * pool when it could be reused (the pool drops it at once if bytes came in the meantime), else
   * it is closed. Does nothing when no body is lent.
   */
  release(): void {
    const canReuse = this.heldReuse;
    if (canReuse === undefined || this.isFinished) return;
    this.heldReuse = undefined;
    this.finish(canReuse);
  }

  /**
   * The response body, chunk by chunk (views, not copies, where possible). Reading it to the
   * end releases the connection; stopping early closes it.
   *
   * On a connection with a read buffer (`HttpConnector`'s `readBufferBytes`), `borrow` asks
   * for the chunks uncopied: each is then valid only until the generator is asked for the next
   * one, so a consumer that keeps a chunk, or hands it to a writer that may still hold it (a
   * socket write that did not complete at once), must copy it or wait first. Without `borrow`,
   * or without a read buffer, every chunk is the consumer's to keep.
   */
  async *body(borrow = false): AsyncGenerator<Uint8Array, void, undefined> {
    const parsed = this.parsed;
    if (parsed === undefined) throw new TypeError('readResponseHead() first');
    const isCopied = this.reader.isBorrowing && !borrow;
    const decoder = new BodyDecoder(parsed.body, 'response');
    let isClean = true;
    try {
      let chunk: Buffer | null | undefined = this.leftover;
      this.leftover = undefined;
      while (!decoder.done) {
        chunk ??= await this.reader.read();
        if (chunk === null) {
          decoder.end(); // throws unless the body is close-delimited
          isClean = false; // close-delimited: the connection is gone
          break;
        }
        const r = decoder.push(chunk);
        if (r.consumed < chunk.length) isClean = false; // bytes past the body: not reusable
        chunk = undefined;
        for (const data of r.data) yield isCopied ? Buffer.from(data) : data;
      }
      this.finish(
        isClean &&
          !this.reader.hasUnread &&
          parsed.body.kind !== 'close' &&
          shouldKeepAlive(this.request!, parsed.head, false),
      );
    } catch (error) {
      this.close();
      throw this.failure(error, 'ReadError', 'reading the response body');
    } finally {
      if (!this.isFinished) this.close(); // the consumer stopped early
    }
  }

  /** The connection after a 101 or a CONNECT: the socket and the bytes already read. */
  takeOver(): { socket: Socket; head: Buffer } {
    this.detach();
    this.isFinished = true;
    const left = this.leftover;
    // A borrowed view would be overwritten by the socket's next read.
    const head =
      left === undefined ? Buffer.alloc(0) : this.reader.isBorrowing ? Buffer.from(left) : left;
    this.leftover = undefined;
    this.socket.resume();
    return { socket: this.socket, head };
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.detach();
    this.socket.destroy();
    this.onRelease(this.socket, 'closed');
  }

  private finish(canReuse: boolean): void {
    // A peer may answer before it has read the whole request (an early 413, say): the request
    // bytes still in flight would be read as the next request, so such a connection is closed.
    if (!canReuse || !this.isWritten) {
      this.close();
      return;
    }
    this.isFinished = true;
    this.reader.park();
    this.onRelease(this.socket, 'reused', this.reader);
  }

  private detach(): void {
    this.reader.detach();
    kept.delete(this.socket);
  }

  /** Writes `data`; {@link WRITTEN} when the socket took it without backpressure. */
  private write(data: Uint8Array): Promise<void> {
    if (this.socket.write(data)) return WRITTEN;
    return whenDrained(this.socket, this.wheel, this.writeTimeoutMs).then((outcome) => {
      if (outcome === 'close') {
        throw PingoraError.explain('ConnectionClosed', 'upstream closed while we wrote', {
          source: 'upstream',
        });
      }
      if (outcome === 'timeout') {
        throw PingoraError.explain(
          'WriteTimedout',
          `upstream took no bytes for ${this.writeTimeoutMs} ms`,
          { source: 'upstream' },
        );
      }
    });
  }

  /** A PingoraError from upstream whose retry decision reflects whether response bytes came. */
  private failure(error: unknown, kind: 'ReadError' | 'WriteError', context: string): PingoraError {
    const e = PingoraError.from(error, kind, context).intoUpstream();
    // Once the upstream answered anything, the request may have had effects: never retry.
    if (this.hasResponseBytes && e.retry !== 'never') e.setRetry('never');
    return e;
  }
}
