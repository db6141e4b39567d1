import { PingoraError } from '@pingora-ts/error';
import type { RequestBody } from '@pingora-ts/http-client';
import type { ProxyHttp } from './proxy-http.js';
import type { ProxySession } from './proxy-session.js';
import { isThenable } from './thenable.js';
import { filterWholeBody } from './whole-body-filter.js';

/**
 * The request body on its way upstream, through `requestBodyFilter`. A body that is small
 * enough (Content-Length up to `retryBufferBytes`) is read whole before the first attempt, so
 * that a failed attempt can send it again (DESIGN.md: a request whose body was sent upstream
 * is retried only when the body was buffered); a larger one streams with backpressure and can
 * be sent only once. A failure of the client while its body is read is remembered here, so
 * the proxy does not mistake it for an upstream failure.
 */
export class RequestBodyFeed<Ctx> {
  /** A failure of the client (or of a body filter) while the body was read, if any. */
  failure: PingoraError | undefined;
  private readonly session: ProxySession<Ctx>;
  private readonly proxy: ProxyHttp<Ctx>;
  private buffered: Uint8Array | undefined;
  private isStreamed = false;
  private readonly hasBody: boolean;

  constructor(session: ProxySession<Ctx>, proxy: ProxyHttp<Ctx>) {
    this.session = session;
    this.proxy = proxy;
    const h = session.request.headers;
    this.hasBody =
      session.bufferedBody !== undefined ||
      h.has('transfer-encoding') ||
      (h.has('content-length') && h.get('content-length') !== '0') ||
      (session.downstream.protocol === 'h2' && !session.downstream.isBodyDone);
  }

  /** True when the body changes length through a filter (so Content-Length cannot be kept). */
  get isFiltered(): boolean {
    return this.proxy.requestBodyFilter !== undefined;
  }

  /** Reads the body whole when it is small enough to keep for a retry. */
  async prepare(retryBufferBytes: number): Promise<void> {
    if (!this.hasBody) return;
    const session = this.session;
    if (session.bufferedBody !== undefined) {
      this.buffered = await this.filterWhole(session.bufferedBody);
      return;
    }
    const length = Number(session.request.headers.get('content-length') ?? Number.NaN);
    if (!(length <= retryBufferBytes)) return;
    try {
      const body = await session.readRequestBody(retryBufferBytes);
      this.buffered = await this.filterWhole(body);
    } catch (error) {
      this.failure = PingoraError.from(error, 'ReadError', 'reading the request body');
      throw this.failure;
    }
  }

  /** True when the body can be sent (again) on a new attempt. */
  get canReplay(): boolean {
    return !this.hasBody || this.buffered !== undefined || !this.isStreamed;
  }

  /** True when the request has a body to send. */
  get isPresent(): boolean {
    return this.hasBody;
  }

  /** The body for one attempt: none, the buffered bytes, or the client's stream (once). */
  body(): RequestBody | undefined {
    if (!this.hasBody) return undefined;
    if (this.buffered !== undefined) return this.buffered;
    if (this.isStreamed) throw new TypeError('the request body was streamed already');
    this.isStreamed = true;
    return this.stream();
  }

  private async filterWhole(body: Uint8Array): Promise<Uint8Array> {
    const phases = this.proxy;
    if (phases.requestBodyFilter === undefined) return body;
    const session = this.session;
    // Called as a method of the phases object: a class-based ProxyHttp may use `this`.
    return filterWholeBody(body, (chunk, isEnd) =>
      phases.requestBodyFilter?.(session, chunk, isEnd, session.ctx),
    );
  }

  private async *stream(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield* this.pull();
    } catch (error) {
      // The client or a body filter failed, not the upstream: keep the error as it is, and
      // give the upstream writer a wrapper of its own (it re-sources what it is thrown).
      this.failure ??= PingoraError.from(error, 'ReadError', 'reading the request body');
      throw PingoraError.because('WriteError', 'the request body failed', this.failure);
    }
  }

  private async *pull(): AsyncGenerator<Uint8Array, void, undefined> {
    const session = this.session;
    const phases = this.proxy;
    const isFiltered = phases.requestBodyFilter !== undefined;
    const source = session.downstream.body();
    for (;;) {
      const next = await source.next();
      if (next.done === true) break;
      const chunk = next.value;
      session.bytesReceived += chunk.length;
      if (!isFiltered) {
        yield chunk;
        continue;
      }
      const returned = phases.requestBodyFilter?.(session, chunk, false, session.ctx);
      const out = isThenable(returned) ? await returned : returned;
      if (out === null) continue;
      yield out ?? chunk;
    }
    if (isFiltered) {
      const returned = phases.requestBodyFilter?.(session, undefined, true, session.ctx);
      const last = isThenable(returned) ? await returned : returned;
      if (last) yield last;
    }
  }
}
