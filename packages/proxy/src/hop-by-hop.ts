import { equalsIgnoreCase, HeaderMap } from '@pingora-ts/http-parser';

/**
 * Fields that describe one connection, not the message (RFC 9110 section 7.6.1): a proxy
 * must not forward them. Lengths first: most names are rejected without lower-casing.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
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

/** Lower-cased tokens of every Connection field (the options that name more hop-by-hop fields). */
export function connectionOptions(headers: HeaderMap): string[] {
  const out: string[] = [];
  for (const value of headers.getAll('connection')) {
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t.length > 0) out.push(t);
    }
  }
  return out;
}

/**
 * The field names a Connection field adds to the hop-by-hop ones, lower-cased; `undefined` when
 * it adds none (`Connection: keep-alive` names a field removed anyway): then no other field name
 * needs lower-casing.
 */
function namedFields(headers: HeaderMap): string[] | undefined {
  if (namesOnlyHopByHop(headers)) return undefined;
  const named = connectionOptions(headers).filter((t) => !HOP_BY_HOP.has(t));
  return named.length === 0 ? undefined : named;
}

/**
 * Whether every Connection field, if there is any, is a single option naming a field removed
 * anyway (the usual `keep-alive`): then it names nothing more, known without splitting and
 * lower-casing tokens.
 */
function namesOnlyHopByHop(headers: HeaderMap): boolean {
  const names = headers.names;
  const values = headers.values;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name.length !== 10 || !equalsIgnoreCase(name, 'connection')) continue;
    if (!HOP_BY_HOP.has((values[i] as string).toLowerCase())) return false;
  }
  return true;
}

/**
 * True when `headers` holds a hop-by-hop field (a Connection field among them, which may name
 * more): false means {@link withoutHopByHop} would copy it unchanged. @internal
 */
export function hasHopByHop(headers: HeaderMap): boolean {
  const names = headers.names;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (isHopLength(name.length) && HOP_BY_HOP.has(name.toLowerCase())) return true;
  }
  return false;
}

/**
 * A copy of `headers` without the hop-by-hop fields of RFC 9110 section 7.6.1 and those the
 * Connection field names. With `isUpgrade`, `Upgrade` and `Connection: upgrade` are kept, as a
 * proxy that forwards a protocol upgrade must (RFC 9110 section 7.8).
 */
export function withoutHopByHop(headers: HeaderMap, isUpgrade = false): HeaderMap {
  const names = headers.names;
  const values = headers.values;
  const listed = namedFields(headers);
  // Arrays of the right size from the start (grown from empty, each would get room for 17).
  const size = names.length + (isUpgrade ? 1 : 0);
  const outNames = new Array<string>(size);
  const outValues = new Array<string>(size);
  let kept = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (isHopLength(name.length) || listed !== undefined) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || listed?.includes(lower) === true) {
        if (!(isUpgrade && lower === 'upgrade')) continue;
      }
    }
    outNames[kept] = name;
    outValues[kept++] = values[i] as string;
  }
  if (isUpgrade) {
    outNames[kept] = 'Connection';
    outValues[kept++] = 'upgrade';
  }
  if (kept < size) {
    outNames.length = kept;
    outValues.length = kept;
  }
  return HeaderMap.fromValidated(outNames, outValues);
}

/** True when the request asks for a protocol upgrade (`Connection: upgrade` plus `Upgrade`). */
export function isUpgradeRequest(headers: HeaderMap): boolean {
  return headers.has('upgrade') && connectionOptions(headers).includes('upgrade');
}
