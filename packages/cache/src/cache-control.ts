import type { HeaderMap } from '@pingora-ts/http-parser';

/**
 * Cache-Control directives (RFC 9111 section 5.2), parsed once: names lower-cased, values
 * unquoted; a directive without a value maps to `true`. Duplicates keep the first, and a
 * malformed delta-seconds reads as absent (section 1.2.2: the cache then treats it as stale or
 * ignores it, whichever the directive's rule says).
 */
export class CacheControl {
  private readonly directives = new Map<string, string | true>();

  /** Parses every Cache-Control field of `headers`. */
  static of(headers: HeaderMap): CacheControl {
    const fields = headers.getAll('cache-control');
    // Most requests carry none: share one empty, never-mutated instance.
    if (fields.length === 0) return EMPTY;
    const cc = new CacheControl();
    for (const field of fields) cc.parse(field);
    return cc;
  }

  private parse(field: string): void {
    // Split on commas outside quoted strings (a quoted field-name list may hold commas).
    let i = 0;
    while (i < field.length) {
      let end = i;
      let isQuoted = false;
      while (end < field.length && (isQuoted || field[end] !== ',')) {
        if (field[end] === '"') isQuoted = !isQuoted;
        end++;
      }
      const item = field.slice(i, end).trim();
      i = end + 1;
      if (item === '') continue;
      const eq = item.indexOf('=');
      const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
      if (this.directives.has(name)) continue;
      if (eq < 0) {
        this.directives.set(name, true);
        continue;
      }
      let value = item.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
        value = value.slice(1, -1);
      this.directives.set(name, value);
    }
  }

  /** True when the directive is present (with or without a value). */
  has(name: string): boolean {
    return this.directives.has(name);
  }

  /** A delta-seconds value (RFC 9111 section 1.2.2), or undefined when absent or malformed. */
  seconds(name: string): number | undefined {
    const v = this.directives.get(name);
    if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
    // Section 1.2.2: values beyond 2^31 are taken as 2^31.
    return Math.min(Number(v), 2 ** 31);
  }

  /** `max-stale` may come without a value: any staleness is accepted. */
  maxStale(): number | undefined {
    const v = this.directives.get('max-stale');
    if (v === undefined) return undefined;
    if (v === true) return Number.POSITIVE_INFINITY;
    return this.seconds('max-stale');
  }

  /**
   * The field names of a qualified `no-cache` or `private` (section 5.2.2.4 / 5.2.2.7),
   * lower-cased; `[]` for the unqualified form; undefined when absent.
   */
  fieldNames(name: 'no-cache' | 'private'): string[] | undefined {
    const v = this.directives.get(name);
    if (v === undefined) return undefined;
    if (v === true) return [];
    return v
      .split(',')
      .map((f) => f.trim().toLowerCase())
      .filter((f) => f.length > 0);
  }
}

const EMPTY = new CacheControl();
