import { equalsIgnoreCase, HeaderMap } from '@pingora-ts/http-parser';

/**
 * The hop-by-hop name (RFC 9110 section 7.6.1: fields that describe one connection, not the
 * message, which a proxy must not forward), in lower case, that `name` is in any case; else
 * `undefined`. Told by length first, then compared without case: no lower-cased copy is made
 * and no fresh string hashed for a set lookup, per field of every head.
 */
function hopName(name: string): string | undefined {
  switch (name.length) {
    case 2:
      return equalsIgnoreCase(name, 'te') ? 'te' : undefined;
    case 7:
      return equalsIgnoreCase(name, 'upgrade') ? 'upgrade' : undefined;
    case 10:
      if (equalsIgnoreCase(name, 'connection')) return 'connection';
      return equalsIgnoreCase(name, 'keep-alive') ? 'keep-alive' : undefined;
    case 16:
      return equalsIgnoreCase(name, 'proxy-connection') ? 'proxy-connection' : undefined;
    case 17:
      return equalsIgnoreCase(name, 'transfer-encoding') ? 'transfer-encoding' : undefined;
    default:
      return undefined;
  }
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
 * The field names the Connection fields add to the hop-by-hop ones, lower-cased; `undefined`
 * when they add none.
 */
function namedFields(headers: HeaderMap): string[] | undefined {
  const named = connectionOptions(headers).filter((t) => hopName(t) === undefined);
  return named.length === 0 ? undefined : named;
}

/**
 * True when `headers` holds a hop-by-hop field (a Connection field among them, which may name
 * more): false means {@link withoutHopByHop} would copy it unchanged. @internal
 */
export function hasHopByHop(headers: HeaderMap): boolean {
  const names = headers.names;
  for (let i = 0; i < names.length; i++) {
    if (hopName(names[i] as string) !== undefined) return true;
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
  // One pass counts the fields to drop (most are told apart by their length alone), so that
  // the arrays get their final size from the start: grown from empty, each would get room for
  // 17; cut short afterwards, `length =` is a call into the runtime. It also tells whether a
  // Connection field names anything but hop-by-hop fields (the usual `keep-alive` does not):
  // only then are its options split and lower-cased, and the fields counted again.
  let dropped = 0;
  let firstDropped = -1;
  let namesMore = false;
  for (let i = 0; i < names.length; i++) {
    const hop = hopName(names[i] as string);
    if (hop === undefined) continue;
    if (hop === 'connection' && hopName(values[i] as string) === undefined) namesMore = true;
    if (isUpgrade && hop === 'upgrade') continue;
    if (dropped++ === 0) firstDropped = i;
  }
  const listed = namesMore ? namedFields(headers) : undefined;
  if (listed !== undefined) {
    dropped = 0;
    for (let i = 0; i < names.length; i++) {
      if (isDropped(names[i] as string, listed, isUpgrade)) dropped++;
    }
  }
  // The usual head drops one field (Connection), known by its index: no second look at names.
  const isOnlyFirst = dropped === 1 && listed === undefined;
  const size = names.length - dropped + (isUpgrade ? 1 : 0);
  const outNames = new Array<string>(size);
  const outValues = new Array<string>(size);
  let kept = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (isOnlyFirst ? i === firstDropped : dropped > 0 && isDropped(name, listed, isUpgrade)) {
      continue;
    }
    outNames[kept] = name;
    outValues[kept++] = values[i] as string;
  }
  if (isUpgrade) {
    outNames[kept] = 'Connection';
    outValues[kept] = 'upgrade';
  }
  return HeaderMap.fromValidated(outNames, outValues);
}

/**
 * Whether {@link withoutHopByHop} drops the field `name`: hop-by-hop, or named by a Connection
 * field (`listed`, lower case), except `Upgrade` when an upgrade is forwarded.
 */
function isDropped(name: string, listed: string[] | undefined, isUpgrade: boolean): boolean {
  const hop = hopName(name);
  if (hop !== undefined) return !(isUpgrade && hop === 'upgrade');
  return listed?.includes(name.toLowerCase()) === true;
}

/** True when the request asks for a protocol upgrade (`Connection: upgrade` plus `Upgrade`). */
export function isUpgradeRequest(headers: HeaderMap): boolean {
  return headers.has('upgrade') && connectionOptions(headers).includes('upgrade');
}
