import { Buffer } from 'node:buffer';
import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { HeaderMap, type RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import { type TimerWheel, whenDrained } from '@pingora-ts/timeout';
import {
  appendH2Fields,
  fieldsToH2,
  hasHopByHop,
  rawResponseH2,
  rawToH2Object,
  withoutHopByHop,
} from './header-translation.js';
import { clientResetError } from './stream-error.js';
import { readStream } from './stream-reader.js';
import { resetStream } from './stream-reset.js';

/** Headers as a map, a record, or pairs (the same as `@pingora-ts/http-server`'s `HeadersInit`). */
export type HeadersInit = HeaderMap | Record<string, string> | Iterable<readonly [string, string]>;

function toHeaderMap(init: HeadersInit | undefined): HeaderMap {
  if (init === undefined) return new HeaderMap();
  if (init instanceof HeaderMap) return init;
  return new HeaderMap(
    Symbol.iterator in init ? (init as Iterable<readonly [string, string]>) : Object.entries(init),
  );
}

// RFC 9110 6.4.1: no content after 1xx, 204 and 304.
const NO_BODY_STATUS = (status: number) =>
  (status >= 100 && status < 200) || status === 204 || status === 304;

/** The settled answer of a call that finished its work before returning. */
const DONE: Promise<void> = Promise.resolve();

function goneError(): PingoraError {
  return PingoraError.explain('ConnectionClosed', 'client stream closed while we wrote', {
    source: 'downstream',
  });
}

/** What an {@link H2Session} needs from its connection. @internal */
export interface H2SessionContext {
  readonly socket: Socket;
  readonly wheel: TimerWheel;
  readonly writeTimeoutMs: number;
  /** Called once when the stream closed. */
  readonly onClose: (session: H2Session) => void;
}

/**
 * One HTTP/2 stream seen as an exchange with the same members as `HttpSession` of
 * `@pingora-ts/http-server`, so a proxy drives both alike: `request` (pseudo-headers turned
 * into method, target and a Host field, RFC 9113 8.3.1), `body()` read with flow control,
 * `writeHead` / `write` / `end` / `respond` with backpressure from the stream's window, plus
 * what HTTP/2 adds: `protocol` (`'h2'`), `writeTrailers`, `abort` (RST_STREAM) and a `signal`
 * that fires when the client resets the stream.
 */
export class H2Session {
  /** The wire protocol of this exchange. */
  readonly protocol = 'h2' as const;
  /** The request head; `version` reads `HTTP/1.1`, `protocol` tells the truth. */
  readonly request: RequestHeader;
  /** The connection's socket (TLS or TCP), for the client address. Do not destroy it: other streams share it. */
  readonly socket: Socket;
  /** The node:http2 stream underneath. */
  readonly stream: ServerHttp2Stream;
  /** The response head once written (`version` reads `HTTP/1.1`, `reason` is empty). */
  response: ResponseHeader | undefined;
  private readonly context: H2SessionContext;
  // Made on first use of `signal`: most exchanges never ask.
  private controller: AbortController | undefined;
  private abortListeners: (() => void)[] | undefined;
  private closeReason: PingoraError | undefined;
  private hasNoBody = false;
  private isEnded = false;
  private isRequestDone: boolean;
  private isLocallyReset = false;
  private trailers: OutgoingHttpHeaders | undefined;
  private pendingHead: string[] | undefined;
  private headTimer: NodeJS.Immediate | undefined;

  /** @internal */
  constructor(
    stream: ServerHttp2Stream,
    request: RequestHeader,
    isRequestDone: boolean,
    context: H2SessionContext,
  ) {
    this.stream = stream;
    this.request = request;
    this.socket = context.socket;
    this.context = context;
    this.isRequestDone = isRequestDone;
    // 'close' comes once per stream: `on` does without the wrapper `once` makes.
    stream.on('close', () => this.onClose());
  }

  /**
   * Calls `listener` once when the stream closes before the response ended (client reset,
   * connection lost), as {@link H2Session.signal} aborts then; at once when that already
   * happened. Cheaper than a listener on `signal` for a caller that needs only the moment (no
   * AbortController and EventTarget per exchange).
   */
  onAbort(listener: () => void): void {
    if (this.closeReason !== undefined) {
      listener();
      return;
    }
    if (this.abortListeners === undefined) this.abortListeners = [listener];
    else this.abortListeners.push(listener);
  }

  /** Aborted when the stream closes before the response ended (client reset, connection lost). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.closeReason !== undefined) this.controller.abort(this.closeReason);
    }
    return this.controller.signal;
  }

  /** True when the response is complete (ended, or the stream was aborted). */
  get isFinished(): boolean {
    return this.isEnded;
  }

  /** True when the request body has been read to its end (or there was none). */
  get isBodyDone(): boolean {
    return this.isRequestDone;
  }

  /** True when the stream was reset by us with {@link H2Session.abort} or a write timeout. @internal */
  get wasResetLocally(): boolean {
    return this.isLocallyReset;
  }

  /**
   * The request body, chunk by chunk. Reading is what returns flow-control window to the
   * client (RFC 9113 5.2): a body nobody reads stops the client after one window
   * (`initialWindowSize`), it is never buffered whole.
   */
  async *body(): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.isRequestDone) return;
    yield* readStream(this.stream, { closed: (s) => clientResetError(s.rstCode ?? 0) });
    this.isRequestDone = true;
  }

  /**
   * Writes the response head. Connection-specific fields are dropped (RFC 9113 8.2.2) and
   * `reason` is ignored (HTTP/2 has no reason phrase, RFC 9113 8.3.2). 1xx other than 101
   * are sent as informational heads (RFC 9113 8.1); 101 does not exist in HTTP/2 (8.6).
   *
   * The HEADERS frame leaves with the first body bytes, with `end()`, or at the latest on the
   * next turn of the event loop: a head followed at once by `end()` becomes one HEADERS frame
   * with END_STREAM, which is what a gRPC "trailers-only" answer relayed from upstream must be.
   */
  async writeHead(status: number, headers?: HeadersInit, _reason?: string): Promise<void> {
    if (!this.startHead(status, toHeaderMap(headers))) return;
    if (this.pendingHead !== undefined) {
      this.headTimer = setImmediate(() => {
        this.headTimer = undefined;
        try {
          this.flushHead(false, true);
        } catch {
          this.abort();
        }
      });
    }
  }

  /** Writes body bytes, waiting while the client's window or the socket is full (backpressure). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.response === undefined) await this.writeHead(200);
    if (this.hasNoBody || chunk.length === 0) return;
    if (this.stream.destroyed || this.stream.writableEnded) throw goneError();
    // More body or trailers may follow: keep the stream open for trailers.
    this.flushHead(false, true);
    if (!this.stream.write(chunk)) await this.drained();
  }

  /** Ends the response (END_STREAM, after trailers if any were given). Idempotent. */
  async end(chunk?: Uint8Array | string): Promise<void> {
    if (this.isEnded) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.response === undefined) {
      const h = new HeaderMap();
      h.append('content-length', String(data?.length ?? 0));
      this.startHead(200, h);
    }
    this.finish(data);
  }

  /**
   * Writes a whole response: status, headers, and a body with its Content-Length. Everything
   * is handed to node:http2 before this returns: the promise is settled already (one shared
   * promise, none made per response), rejected when the head was refused.
   */
  respond(status: number, body: Uint8Array | string = '', headers?: HeadersInit): Promise<void> {
    try {
      const data = typeof body === 'string' ? Buffer.from(body) : body;
      const h = toHeaderMap(headers);
      if (!NO_BODY_STATUS(status) && !h.has('content-length')) {
        h.append('content-length', String(data.length));
      }
      if (this.startHead(status, h)) this.finish(data);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends trailer fields after the body and ends the response (RFC 9113 8.1: a trailing
   * HEADERS frame with END_STREAM). Hop-by-hop fields are dropped.
   */
  async writeTrailers(trailers: HeadersInit): Promise<void> {
    if (this.isEnded) throw new TypeError('response already ended');
    this.trailers = fieldsToH2(toHeaderMap(trailers));
    if (this.response === undefined) this.startHead(200, new HeaderMap());
    this.finish(undefined);
  }

  /**
   * Resets the stream (RST_STREAM, INTERNAL_ERROR while the response is unfinished, else
   * `code`): what a proxy does when the upstream failed after the head went out, so the client
   * sees an error instead of a short body that looks complete.
   */
  abort(code: number = constants.NGHTTP2_INTERNAL_ERROR): void {
    this.isEnded = true;
    if (this.stream.destroyed) return;
    this.isLocallyReset = true;
    resetStream(this.stream, code);
  }

  /**
   * Takes the head: validates, records `response`, and holds the HEADERS frame back
   * (`pendingHead`) unless nothing can follow it (HEAD, 204, 304: sent now with END_STREAM).
   * Returns false for a 1xx, which went out at once as an informational head.
   */
  private startHead(status: number, h: HeaderMap): boolean {
    if (this.response !== undefined) throw new TypeError('response head already written');
    if (status === 101) throw new TypeError('HTTP/2 has no 101 Switching Protocols (RFC 9113 8.6)');
    if (this.stream.destroyed) throw goneError();
    // A head without hop-by-hop fields (a proxy's, cleaned already) is used as it is, uncopied.
    const clean = hasHopByHop(h) ? withoutHopByHop(h) : h;
    if (status >= 100 && status < 200) {
      this.stream.additionalHeaders(appendH2Fields(clean, { ':status': status }));
      return false;
    }
    this.hasNoBody = this.request.method === 'HEAD' || NO_BODY_STATUS(status);
    this.response = new ResponseHeader(status, '', 'HTTP/1.1', clean);
    this.pendingHead = rawResponseH2(status, clean);
    if (this.hasNoBody) {
      this.isEnded = true;
      this.flushHead(true, false);
    }
    return true;
  }

  /** Sends what is left: the held head, `data`, END_STREAM (after trailers, when given). */
  private finish(data: Uint8Array | undefined): void {
    if (this.isEnded) return;
    this.isEnded = true;
    const hasData = data !== undefined && data.length > 0 && !this.hasNoBody;
    const wantsTrailers = this.trailers !== undefined;
    if (this.pendingHead !== undefined) {
      // Head, body and end in as few frames as node:http2 allows: HEADERS (+END_STREAM when
      // nothing follows), DATA with END_STREAM, or HEADERS for the trailers.
      this.flushHead(!hasData && !wantsTrailers, wantsTrailers);
    }
    if (this.stream.destroyed || this.stream.writableEnded) return;
    if (hasData) this.stream.end(data);
    else this.stream.end();
  }

  private flushHead(endStream: boolean, waitForTrailers: boolean): void {
    const head = this.pendingHead;
    if (head === undefined) return;
    this.pendingHead = undefined;
    if (this.headTimer !== undefined) {
      clearImmediate(this.headTimer);
      this.headTimer = undefined;
    }
    if (this.stream.destroyed) throw goneError();
    const options = { endStream, waitForTrailers: waitForTrailers && !endStream };
    if (options.waitForTrailers) {
      // An empty block makes node:http2 send an empty DATA frame with END_STREAM instead.
      this.stream.once('wantTrailers', () => this.stream.sendTrailers(this.trailers ?? {}));
    }
    try {
      respondWith(this.stream, head, options);
    } catch (error) {
      if (this.stream.destroyed) throw goneError();
      throw PingoraError.because('InvalidHTTPHeader', 'writing an HTTP/2 response head', error);
    }
  }

  private onClose(): void {
    if (this.headTimer !== undefined) clearImmediate(this.headTimer);
    const code = this.stream.rstCode ?? constants.NGHTTP2_CANCEL;
    if (!this.isEnded || code !== constants.NGHTTP2_NO_ERROR) {
      this.closeReason = clientResetError(code);
      this.controller?.abort(this.closeReason);
      const listeners = this.abortListeners;
      this.abortListeners = undefined;
      if (listeners !== undefined) for (const listener of listeners) listener();
    }
    this.context.onClose(this);
  }

  private async drained(): Promise<void> {
    const stream = this.stream;
    const outcome = await whenDrained(stream, this.context.wheel, this.context.writeTimeoutMs);
    if (outcome === 'drain') return;
    if (outcome === 'close') throw goneError();
    this.isLocallyReset = true;
    resetStream(stream, constants.NGHTTP2_CANCEL);
    throw PingoraError.explain('WriteTimedout', 'client took no bytes in time', {
      source: 'downstream',
    });
  }
}

/** Whether node:http2 takes a raw header array in `respond` (Node 22.20 and 24.7 on). */
let isRawRespondSupported = true;

/**
 * `stream.respond` with a raw header block, or, on a Node that refuses arrays there (it throws
 * ERR_INVALID_ARG_TYPE before sending anything), with the same fields as a headers object, as
 * from then on.
 */
function respondWith(
  stream: ServerHttp2Stream,
  raw: string[],
  options: { endStream: boolean; waitForTrailers: boolean },
): void {
  if (isRawRespondSupported) {
    try {
      stream.respond(raw, options);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_INVALID_ARG_TYPE') throw error;
      isRawRespondSupported = false;
    }
  }
  stream.respond(rawToH2Object(raw), options);
}
