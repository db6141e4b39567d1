/** Limits and switches of the head parser and the body decoders. */
export interface ParseOptions {
  /** Largest head (start line, fields, final CRLF) in bytes; over it: `HeaderTooLarge` (431). */
  maxHeadSize?: number;
  /** Most header fields in one head; over it: `HeaderTooLarge` (431). */
  maxHeaders?: number;
  /** Longest request line in bytes; over it: `UriTooLong` (414). */
  maxRequestLineLength?: number;
  /** Largest body (sum of chunk sizes, or Content-Length); over it: `BodyTooLarge` (413). */
  maxBodySize?: number;
  /** Largest chunk-size line including extensions, and largest trailer section, in bytes. */
  maxChunkLineLength?: number;
  /**
   * Responses only: accept a bare LF as a line end (RFC 9112 2.2 allows it as a MAY).
   * Ignored for requests, where it is always an error.
   */
  lenientLineEnds?: boolean;
  /**
   * Responses only: accept obs-fold (a field line starting with SP/HTAB) and replace it with
   * SP, as RFC 9112 5.2 lets a user agent do. Off: rejected, as a proxy may (RFC 9112 5.2).
   */
  lenientObsFold?: boolean;
  /**
   * Requests only: reject HTTP/1.1 requests without exactly one Host field (RFC 9112 3.2).
   * Turn off only to compare with parsers that leave this check to the server.
   */
  requireHost?: boolean;
}

/** The defaults of {@link ParseOptions}, in one place. */
export const PARSE_DEFAULTS: Readonly<Required<ParseOptions>> = {
  maxHeadSize: 64 * 1024,
  maxHeaders: 100,
  maxRequestLineLength: 8 * 1024,
  maxBodySize: Number.MAX_SAFE_INTEGER,
  maxChunkLineLength: 16 * 1024,
  lenientLineEnds: false,
  lenientObsFold: false,
  requireHost: true,
};

/**
 * Merges `options` over {@link PARSE_DEFAULTS}, rejecting nonsense with a RangeError. A parser
 * and a decoder are made per message, so the result is remembered per options object (and
 * shared for none): options are read when first used, as every other option object here.
 */
export function resolveOptions(options?: ParseOptions): Readonly<Required<ParseOptions>> {
  if (options === undefined) return RESOLVED_DEFAULTS;
  let resolved = resolvedByOptions.get(options);
  if (resolved === undefined) {
    resolved = resolveFresh(options);
    resolvedByOptions.set(options, resolved);
  }
  return resolved;
}

const resolvedByOptions = new WeakMap<ParseOptions, Readonly<Required<ParseOptions>>>();

function resolveFresh(options: ParseOptions): Readonly<Required<ParseOptions>> {
  const o = { ...PARSE_DEFAULTS, ...options };
  for (const k of [
    'maxHeadSize',
    'maxHeaders',
    'maxRequestLineLength',
    'maxBodySize',
    'maxChunkLineLength',
  ] as const) {
    const v = o[k];
    if (!Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`${k} must be a positive safe integer, got ${v}`);
  }
  return Object.freeze(o);
}

const RESOLVED_DEFAULTS = resolveFresh({});
