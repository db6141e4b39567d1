import type zlib from 'node:zlib';
import type { HeaderMap, RequestHeader } from '@pingora-ts/http-parser';

/**
 * node:zlib, loaded when a coding step is first made (or the default codings first read): a
 * proxy without compression or decoding body filters does not load it (0.6 MB of resident
 * memory on Node 24).
 */
function nodeZlib(): typeof zlib {
  return process.getBuiltinModule('node:zlib');
}

/** Content codings the proxy can produce and read (RFC 9110 section 8.4.1). */
export type ContentCoding = 'zstd' | 'br' | 'gzip';

/** Options of the response compression module; every default is in {@link COMPRESSION_DEFAULTS}. */
export interface CompressionOptions {
  /** Codings offered, in our order of preference (the client's q-values decide first). */
  codings?: readonly ContentCoding[];
  /** Responses with a known length below this are sent as they are, bytes. */
  minBytes?: number;
  /** Which `Content-Type`s are worth compressing. */
  types?: RegExp;
  /** Compression level: gzip 1..9, brotli 0..11, zstd 1..19 (clamped per coding). */
  level?: number;
}

/** Defaults of {@link CompressionOptions}. */
export const COMPRESSION_DEFAULTS = {
  /** zstd first where the runtime has it (Node 22.15+, 23.8+), then br and gzip. */
  get codings(): readonly ContentCoding[] {
    return typeof nodeZlib().createZstdCompress === 'function'
      ? ['zstd', 'br', 'gzip']
      : ['br', 'gzip'];
  },
  minBytes: 1024,
  types:
    /^(text\/|application\/(json|javascript|xml|x-javascript|[a-z.+-]*\+(json|xml))|image\/svg\+xml)/i,
  level: 5,
} as const;

/**
 * The coding to use for an `Accept-Encoding` value (RFC 9110 section 12.5.3): the acceptable
 * coding with the highest q-value, ties broken by our order; `undefined` when none fits.
 */
export function negotiateCoding(
  acceptEncoding: string | undefined,
  offered: readonly ContentCoding[],
): ContentCoding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const q = new Map<string, number>();
  for (const item of acceptEncoding.split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (name === undefined || name === '') continue;
    let weight = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q') weight = Number(v);
    }
    if (Number.isFinite(weight)) q.set(name, weight);
  }
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of offered) {
    const weight = q.get(coding) ?? q.get('*') ?? 0;
    if (weight > bestQ) {
      best = coding;
      bestQ = weight;
    }
  }
  return best;
}

/**
 * A zlib stream driven chunk by chunk: each `push` returns the output for that input, flushed
 * so that a streamed response (SSE, say) is not held back waiting for more bytes.
 */
export class CodingStep {
  private readonly stream: zlib.Gzip | zlib.BrotliCompress | zlib.ZstdCompress | zlib.Gunzip;
  private readonly output: Buffer[] = [];
  private failure: Error | undefined;

  private constructor(stream: CodingStep['stream']) {
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => this.output.push(chunk));
    stream.on('error', (error: Error) => {
      this.failure = error;
    });
  }

  /** A compressor for `coding` at `level` (clamped to the coding's range). */
  static compress(coding: ContentCoding, level: number): CodingStep {
    const zlib = nodeZlib();
    if (coding === 'gzip') return new CodingStep(zlib.createGzip({ level: clamp(level, 1, 9) }));
    if (coding === 'br') {
      return new CodingStep(
        zlib.createBrotliCompress({
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: clamp(level, 0, 11) },
        }),
      );
    }
    return new CodingStep(
      zlib.createZstdCompress({
        params: { [zlib.constants.ZSTD_c_compressionLevel]: clamp(level, 1, 19) },
      }),
    );
  }

  /** A decompressor for a `Content-Encoding` value, or undefined for one it cannot read. */
  static decompress(contentEncoding: string): CodingStep | undefined {
    const coding = contentEncoding.trim().toLowerCase();
    const zlib = nodeZlib();
    if (coding === 'gzip' || coding === 'x-gzip') return new CodingStep(zlib.createGunzip());
    if (coding === 'deflate') return new CodingStep(zlib.createInflate() as zlib.Gunzip);
    if (coding === 'br') return new CodingStep(zlib.createBrotliDecompress() as zlib.Gunzip);
    if (coding === 'zstd' && typeof zlib.createZstdDecompress === 'function') {
      return new CodingStep(zlib.createZstdDecompress() as zlib.Gunzip);
    }
    return undefined;
  }

  /** Codes `chunk`; resolves with the (flushed) output. */
  push(chunk: Uint8Array): Promise<Buffer[]> {
    return new Promise<Buffer[]>((resolve, reject) => {
      this.stream.write(chunk);
      this.stream.flush(() => this.take(resolve, reject));
    });
  }

  /** Ends the stream; resolves with the last output. */
  end(): Promise<Buffer[]> {
    // 'end' of the readable side comes after the last output ('finish' of the writable side
    // may come before it).
    return new Promise<Buffer[]>((resolve, reject) => {
      this.stream.once('end', () => this.take(resolve, reject));
      this.stream.once('error', reject);
      this.stream.end();
    });
  }

  /** Frees the stream when the exchange ends early. */
  destroy(): void {
    this.stream.destroy();
  }

  private take(resolve: (parts: Buffer[]) => void, reject: (error: Error) => void): void {
    if (this.failure !== undefined) {
      reject(this.failure);
      return;
    }
    resolve(this.output.splice(0, this.output.length));
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(value)));
}

/**
 * Response compression: chooses a coding for a response by the request's Accept-Encoding and
 * the response's type and size, and rewrites the head for it (Content-Encoding, Vary,
 * no Content-Length, weak ETag: RFC 9110 section 8.8.3 says a different encoding is a
 * different representation).
 */
export class ResponseCompression {
  private readonly options: Required<CompressionOptions>;

  constructor(options: CompressionOptions = {}) {
    this.options = {
      codings: options.codings ?? COMPRESSION_DEFAULTS.codings,
      minBytes: options.minBytes ?? COMPRESSION_DEFAULTS.minBytes,
      types: options.types ?? COMPRESSION_DEFAULTS.types,
      level: options.level ?? COMPRESSION_DEFAULTS.level,
    };
  }

  /** A compressor for this exchange (and the head rewritten for it), or undefined. */
  encoderFor(request: RequestHeader, status: number, headers: HeaderMap): CodingStep | undefined {
    // A client that accepts no coding is the cheapest answer, and a common one (load tools,
    // API clients): one header lookup instead of six.
    const accepted = request.headers.get('accept-encoding');
    if (accepted === undefined) return undefined;
    if (
      request.method === 'HEAD' ||
      status < 200 ||
      status === 204 ||
      status === 206 ||
      status === 304
    ) {
      return undefined;
    }
    if (headers.has('content-encoding') || headers.has('content-range')) return undefined;
    if (/\bno-transform\b/i.test(headers.get('cache-control') ?? '')) return undefined;
    const type = headers.get('content-type');
    if (type === undefined || !this.options.types.test(type)) return undefined;
    const length = headers.get('content-length');
    if (length !== undefined && Number(length) < this.options.minBytes) return undefined;
    const coding = negotiateCoding(accepted, this.options.codings);
    if (coding === undefined) return undefined;
    headers.remove('content-length');
    headers.set('Content-Encoding', coding);
    const vary = headers.get('vary');
    if (vary === undefined) headers.set('Vary', 'Accept-Encoding');
    else if (!/accept-encoding|\*/i.test(vary)) headers.set('Vary', `${vary}, Accept-Encoding`);
    const etag = headers.get('etag');
    if (etag !== undefined && !etag.startsWith('W/')) headers.set('ETag', `W/${etag}`);
    return CodingStep.compress(coding, this.options.level);
  }
}
