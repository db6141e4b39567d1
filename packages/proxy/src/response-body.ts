import type { CodingStep } from './compression.js';
import type { ProxyHttp } from './proxy-http.js';
import type { ProxySession } from './proxy-session.js';
import type { RangeBody } from './range-filter.js';
import { isThenable } from './thenable.js';

/**
 * The response body on its way downstream, each chunk through the steps an exchange needs, in
 * order: decompression (when a body filter asked for plain bytes), `responseBodyFilter`, byte
 * ranges or compression, then the client with backpressure. Without steps a chunk goes
 * straight through.
 */
export class ResponseBody<Ctx> {
  private readonly session: ProxySession<Ctx>;
  private readonly phases: ProxyHttp<Ctx>;
  private readonly decoder: CodingStep | undefined;
  private readonly range: RangeBody | undefined;
  private readonly encoder: CodingStep | undefined;

  constructor(
    session: ProxySession<Ctx>,
    phases: ProxyHttp<Ctx>,
    steps: { decoder?: CodingStep; range?: RangeBody; encoder?: CodingStep },
  ) {
    this.session = session;
    this.phases = phases;
    this.decoder = steps.decoder;
    this.range = steps.range;
    this.encoder = steps.encoder;
  }

  /** Passes one upstream chunk on. */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.decoder === undefined) return this.filtered(chunk);
    for (const part of await this.decoder.push(chunk)) await this.filtered(part);
  }

  /** The body ended upstream: flush every step, in order. */
  async finish(): Promise<void> {
    if (this.decoder !== undefined) {
      for (const part of await this.decoder.end()) await this.filtered(part);
    }
    // The filter is called as a method of the phases object: a class-based ProxyHttp may use
    // `this`.
    if (this.phases.responseBodyFilter !== undefined) {
      const returned = this.phases.responseBodyFilter(
        this.session,
        undefined,
        true,
        this.session.ctx,
      );
      const last = isThenable(returned) ? await returned : returned;
      if (last) await this.shaped(last);
    }
    if (this.range !== undefined) for (const part of this.range.finish()) await this.send(part);
    if (this.encoder !== undefined)
      for (const part of await this.encoder.end()) await this.send(part);
  }

  /** Frees the coding streams of an exchange that ended early. */
  destroy(): void {
    this.decoder?.destroy();
    this.encoder?.destroy();
  }

  private async filtered(chunk: Uint8Array): Promise<void> {
    if (this.phases.responseBodyFilter === undefined) return this.shaped(chunk);
    const returned = this.phases.responseBodyFilter(this.session, chunk, false, this.session.ctx);
    const replaced = isThenable(returned) ? await returned : returned;
    if (replaced === null) return;
    return this.shaped(replaced ?? chunk);
  }

  private async shaped(chunk: Uint8Array): Promise<void> {
    if (this.range !== undefined) {
      for (const part of this.range.push(chunk)) await this.send(part);
    } else if (this.encoder !== undefined) {
      for (const part of await this.encoder.push(chunk)) await this.send(part);
    } else {
      await this.send(chunk);
    }
  }

  private send(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return Promise.resolve();
    this.session.bytesSent += chunk.length;
    return this.session.downstream.write(chunk);
  }
}
