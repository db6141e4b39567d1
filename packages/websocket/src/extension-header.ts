/** One extension of a `Sec-WebSocket-Extensions` list: its name and parameters in order. */
export interface ExtensionOffer {
  readonly name: string;
  /** Parameters in order; a parameter without a value maps to `true`. */
  readonly params: ReadonlyArray<readonly [string, string | true]>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses `Sec-WebSocket-Extensions` values (RFC 6455 9.1: a comma-separated list of
 * extensions, each `name *( ";" param [ "=" value ] )`, values tokens or quoted strings).
 * Several header lines are one list. Returns `null` on a syntax error.
 */
export function parseExtensions(values: readonly string[]): ExtensionOffer[] | null {
  const offers: ExtensionOffer[] = [];
  for (const value of values) {
    for (const item of splitOutsideQuotes(value, ',')) {
      if (item.trim() === '') continue;
      const parts = splitOutsideQuotes(item, ';').map((p) => p.trim());
      const name = parts[0]!;
      if (!TOKEN.test(name)) return null;
      const params: Array<readonly [string, string | true]> = [];
      for (const part of parts.slice(1)) {
        const eq = part.indexOf('=');
        if (eq < 0) {
          if (!TOKEN.test(part)) return null;
          params.push([part.toLowerCase(), true]);
          continue;
        }
        const key = part.slice(0, eq).trim();
        let raw = part.slice(eq + 1).trim();
        if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1);
        if (!TOKEN.test(key) || !TOKEN.test(raw)) return null;
        params.push([key.toLowerCase(), raw]);
      }
      offers.push({ name: name.toLowerCase(), params });
    }
  }
  return offers;
}

/** Formats one extension for a `Sec-WebSocket-Extensions` header. */
export function formatExtension(offer: ExtensionOffer): string {
  let out = offer.name;
  for (const [key, value] of offer.params) out += value === true ? `; ${key}` : `; ${key}=${value}`;
  return out;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let inQuotes = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === separator && !inQuotes) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out;
}
