import type { OutgoingHttpHeaders } from 'node:http2';
import { HeaderMap, RequestHeader, ResponseHeader, reasonPhrase } from '@pingora-ts/http-parser';

/**
 * Connection-specific fields, which HTTP/2 forbids (RFC 9113 8.2.2): a message carrying one is
 * malformed, so a translator drops them. `te` is the exception, allowed with the one value
 * `trailers` (gRPC depends on it).
 */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Bit n set for each length n of the names above (and of `te`): a name of another length is
 * not hop-by-hop, found with a shift instead of a set lookup per field.
 */
const HOP_LENGTH_BITS = (1 << 2) | (1 << 7) | (1 << 10) | (1 << 16) | (1 << 17);

/** True when a name of `length` characters may be hop-by-hop (see HOP_LENGTH_BITS). */
function isHopLength(length: number): boolean {
  return length < 32 && ((HOP_LENGTH_BITS >>> length) & 1) === 1;
}

/** Lower-cased tokens of every Connection field: more hop-by-hop fields (RFC 9110 7.6.1). */
function connectionTokens(headers: HeaderMap): string[] {
  const out: string[] = [];
  for (const value of headers.getAll('connection')) {
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t.length > 0) out.push(t);
    }
  }
  return out;
}

/** True when `te`'s value asks for trailers (RFC 9110 10.1.4: a list of codings). */
function asksForTrailers(value: string): boolean {
  return value.split(',').some((t) => t.trim().toLowerCase() === 'trailers');
}

/**
 * A copy of `headers` without hop-by-hop fields: the connection-specific ones of RFC 9113
 * 8.2.2, those the Connection field names (RFC 9110 7.6.1), and `te` unless it carries
 * `trailers`, which is kept as `te: trailers` (the only value HTTP/2 allows). Use it in both
 * directions of a translation: what is left is valid in HTTP/1.1 and in HTTP/2.
 *
 * @example
 * ```ts
 * const h = new HeaderMap([['Connection', 'x-a'], ['X-A', '1'], ['TE', 'trailers, gzip'], ['Y', '2']]);
 * [...withoutHopByHop(h)]; // [['te', 'trailers'], ['Y', '2']]
 * ```
 */
export function withoutHopByHop(headers: HeaderMap): HeaderMap {
  const listed = headers.has('connection') ? connectionTokens(headers) : undefined;
  const names: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < headers.names.length; i++) {
    const name = headers.names[i] as string;
    const value = headers.values[i] as string;
    // Most names cannot be hop-by-hop by their length alone: no lower-casing for them.
    if (isHopLength(name.length) || listed !== undefined) {
      const lower = name.toLowerCase();
      if (CONNECTION_SPECIFIC.has(lower) || listed?.includes(lower) === true) continue;
      if (lower === 'te') {
        if (asksForTrailers(value)) {
          names.push('te');
          values.push('trailers');
        }
        continue;
      }
    }
    names.push(name);
    values.push(value);
  }
  return HeaderMap.fromValidated(names, values);
}

/**
 * True when `headers` holds a field that {@link withoutHopByHop} would drop or rewrite; false
 * lets a caller whose fields are clean already (a proxy's downstream head) skip the copy.
 * @internal
 */
export function hasHopByHop(headers: HeaderMap): boolean {
  const names = headers.names;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (!isHopLength(name.length)) continue;
    const lower = name.toLowerCase();
    if (lower === 'te' || CONNECTION_SPECIFIC.has(lower)) return true;
  }
  return false;
}

/** Most distinct field names {@link lowerName} remembers (names come from peers: bounded). */
const LOWER_NAMES_MAX = 256;
const lowerNames = new Map<string, string>();

/**
 * `name` in lower case, the same string each time for a name seen before: node:http2 then finds
 * it in its own tables without hashing a fresh string per field, and no string is made.
 */
function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < LOWER_NAMES_MAX) lowerNames.set(name, lower);
  }
  return lower;
}

/** Appends `value` under `name` to a node:http2 headers object, keeping duplicates as arrays. */
function addField(out: OutgoingHttpHeaders, name: string, value: string): void {
  const had = out[name];
  if (had === undefined) out[name] = value;
  else if (Array.isArray(had)) had.push(value);
  else out[name] = [String(had), value];
}

/**
 * The HTTP/2 header block of an HTTP/1.x request (RFC 9113 8.3.1): `:method`, `:scheme`,
 * `:authority` from the Host field (or `authority` when there is none), `:path` from the
 * target; hop-by-hop fields dropped, names lower-cased (RFC 9113 8.2). CONNECT carries only
 * `:method` and `:authority` (RFC 9113 8.5). Cookie fields stay separate fields (allowed by
 * RFC 9113 8.2.3, and kinder to HPACK).
 */
export function requestToH2(
  head: RequestHeader,
  scheme: 'http' | 'https',
  authority?: string,
): OutgoingHttpHeaders {
  const clean = withoutHopByHop(head.headers);
  const host = clean.get('host') ?? authority;
  const out: OutgoingHttpHeaders = { ':method': head.method };
  if (head.method === 'CONNECT') {
    out[':authority'] = host ?? head.rawTarget;
  } else {
    out[':scheme'] = scheme;
    if (host !== undefined) out[':authority'] = host;
    out[':path'] = head.rawTarget;
  }
  for (let i = 0; i < clean.names.length; i++) {
    const lower = (clean.names[i] as string).toLowerCase();
    if (lower === 'host') continue;
    addField(out, lower, clean.values[i] as string);
  }
  return out;
}

/**
 * The HTTP/1.1 view of an HTTP/2 request's header block: method and target from `:method`
 * and `:path` (`:authority` for CONNECT), a Host field first from `:authority` in place of
 * any Host the client sent (RFC 9113 8.3.1: an intermediary must use `:authority`), cookie
 * crumbs joined with `; ` (RFC 9113 8.2.3), connection-specific fields dropped. The version
 * reads `HTTP/1.1` (the session's `protocol` says `h2`). `raw` is node:http2's flat
 * `[name, value, ...]` list, already checked by nghttp2 (RFC 9113 8.2.1).
 */
export function requestFromH2(raw: readonly string[]): RequestHeader {
  let method = 'GET';
  let path: string | undefined;
  let authority: string | undefined;
  const names: string[] = [];
  const values: string[] = [];
  let cookie: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':method') method = value;
      else if (name === ':path') path = value;
      else if (name === ':authority') authority = value;
      continue;
    }
    if (name === 'host') {
      authority ??= value;
      continue;
    }
    if (name === 'cookie') {
      cookie = cookie === undefined ? value : `${cookie}; ${value}`;
      continue;
    }
    // nghttp2 delivers lower-case names and refuses connection-specific fields (RFC 9113
    // 8.2.2); `te` may still carry more than `trailers`.
    if (name === 'te') {
      if (asksForTrailers(value)) {
        names.push('te');
        values.push('trailers');
      }
      continue;
    }
    if (CONNECTION_SPECIFIC.has(name)) continue;
    names.push(name);
    values.push(value);
  }
  if (cookie !== undefined) {
    names.push('cookie');
    values.push(cookie);
  }
  if (authority !== undefined) {
    names.unshift('host');
    values.unshift(authority);
  }
  const target = method === 'CONNECT' ? (authority ?? '') : (path ?? '/');
  return new RequestHeader(method, target, 'HTTP/1.1', HeaderMap.fromValidated(names, values));
}

/**
 * The HTTP/2 header block of a response: `:status` and the fields without hop-by-hop ones,
 * lower-cased (RFC 9113 8.3.2: there is no reason phrase).
 */
export function responseToH2(status: number, headers: HeaderMap): OutgoingHttpHeaders {
  return appendH2Fields(withoutHopByHop(headers), { ':status': status });
}

/**
 * Trailer fields for HTTP/2 (or any field section without pseudo-headers): lower-cased,
 * hop-by-hop fields dropped, duplicates kept.
 */
export function fieldsToH2(headers: HeaderMap, out: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return appendH2Fields(withoutHopByHop(headers), out);
}

/**
 * Adds fields already free of hop-by-hop ones to a node:http2 headers object, lower-cased
 * (RFC 9113 8.2.1); `te` is left out (a request field only, RFC 9110 10.1.4).
 * @internal
 */
export function appendH2Fields(clean: HeaderMap, out: OutgoingHttpHeaders): OutgoingHttpHeaders {
  for (let i = 0; i < clean.names.length; i++) {
    const lower = (clean.names[i] as string).toLowerCase();
    if (lower === 'te') continue;
    addField(out, lower, clean.values[i] as string);
  }
  return out;
}

/**
 * A response header block in node:http2's raw form, `[':status', status, name, value, ...]`:
 * the fields already free of hop-by-hop ones, lower-cased, `te` left out (as
 * {@link appendH2Fields}). node:http2 takes it without the per-field work of a headers object
 * (the response path's largest cost in node:http2), from Node 22.20 and 24.7.
 * @internal
 */
export function rawResponseH2(status: number, clean: HeaderMap): string[] {
  const names = clean.names;
  const values = clean.values;
  const out = new Array<string>(2 + 2 * names.length);
  out[0] = ':status';
  out[1] = String(status);
  let at = 2;
  for (let i = 0; i < names.length; i++) {
    const lower = lowerName(names[i] as string);
    if (lower === 'te') continue;
    out[at++] = lower;
    out[at++] = values[i] as string;
  }
  out.length = at;
  return out;
}

/** A raw header block ({@link rawResponseH2}) as a node:http2 headers object. @internal */
export function rawToH2Object(raw: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name === ':status') out[name] = Number(raw[i + 1]);
    else addField(out, name, raw[i + 1] as string);
  }
  return out;
}

/**
 * The HTTP/1.1 view of an HTTP/2 response header block: status from `:status`, the
 * registered reason phrase, fields in order without pseudo-headers. `raw` is node:http2's flat `[name, value, ...]` list.
 */
export function responseFromH2(raw: readonly string[]): ResponseHeader {
  let status = 0;
  const fields = fieldsFromH2(raw, (name, value) => {
    if (name === ':status') status = Number(value);
  });
  // HTTP/2 has no reason phrase (RFC 9113 8.3.2); the registered one goes with the head, so
  // that a response passed on over HTTP/1.1 does not leave an empty status line reason
  // (allowed by RFC 9112 4, refused by some clients, h2load among them).
  return new ResponseHeader(status, reasonPhrase(status), 'HTTP/1.1', fields);
}

/**
 * Fields of an HTTP/2 field section (a trailer block, or a header block whose pseudo-headers
 * `onPseudo` takes), as a {@link HeaderMap}. Accepts node:http2's flat raw list or its headers
 * object.
 */
export function fieldsFromH2(
  raw: readonly string[] | Readonly<Record<string, string | string[] | number | undefined>>,
  onPseudo?: (name: string, value: string) => void,
): HeaderMap {
  const names: string[] = [];
  const values: string[] = [];
  const add = (name: string, value: string) => {
    if (name.charCodeAt(0) === 58 /* ':' */) onPseudo?.(name, value);
    else {
      names.push(name);
      values.push(value);
    }
  };
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) add(raw[i] as string, raw[i + 1] as string);
  } else {
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) add(name, v);
      else add(name, String(value));
    }
  }
  return withoutHopByHop(HeaderMap.fromValidated(names, values));
}
