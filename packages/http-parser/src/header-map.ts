import { equalsIgnoreCase, isFieldValue, isToken } from './char-class.js';

// Marks the constructor call of HeaderMap.fromValidated, whose arrays come as arguments: not
// through module variables, where each young array stored would cost a write barrier's slow
// path (the module's variables live in a long-lived object).
const ADOPT = Symbol('adopt');
type AdoptingConstructor = new (mark: typeof ADOPT, names: string[], values: string[]) => HeaderMap;

/**
 * Header fields as they came off the wire: looked up case-insensitively (RFC 9110 5.1) but
 * kept with each name's original case, in wire order, duplicates included, so that a proxy
 * writes them back exactly as received. Small maps (tens of fields) make a linear scan over
 * two parallel arrays faster than hashing.
 *
 * @example
 * ```ts
 * const h = new HeaderMap([['Host', 'a.example'], ['X-Tag', '1']]);
 * h.append('x-tag', '2');
 * h.get('HOST');        // 'a.example'
 * h.getAll('X-TAG');    // ['1', '2']
 * [...h];               // [['Host','a.example'], ['X-Tag','1'], ['x-tag','2']]
 * ```
 */
export class HeaderMap implements Iterable<[string, string]> {
  /** Field names in wire order and original case. Treat as read-only. */
  readonly names: string[];
  /** Field values (leading and trailing whitespace removed), parallel to {@link names}. */
  readonly values: string[];

  /**
   * @param init - fields in order; names must be tokens and values field-values, else a
   *   TypeError (API misuse, not peer input).
   */
  constructor(init?: Iterable<readonly [string, string]>);
  constructor(init?: unknown, names?: string[], values?: string[]) {
    if (init === ADOPT) {
      // fromValidated: take the arrays as they are (one shape for every map, no spare arrays).
      this.names = names as string[];
      this.values = values as string[];
      return;
    }
    this.names = [];
    this.values = [];
    if (init !== undefined) {
      for (const [n, v] of init as Iterable<readonly [string, string]>) this.append(n, v);
    }
  }

  /**
   * Wraps arrays the parser already validated, without copying or checking them.
   * @internal
   */
  static fromValidated(names: string[], values: string[]): HeaderMap {
    return new (HeaderMap as unknown as AdoptingConstructor)(ADOPT, names, values);
  }

  /** Number of fields, duplicates counted. */
  get size(): number {
    return this.names.length;
  }

  /** Index of the first field called `name` (any case) at or after `from`, or -1. */
  indexOf(name: string, from = 0): number {
    const names = this.names;
    for (let i = from; i < names.length; i++)
      if (equalsIgnoreCase(names[i] as string, name)) return i;
    return -1;
  }

  /** True when a field called `name` (any case) is present. */
  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** The first value of `name`, or `undefined`. */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /** Every value of `name`, in wire order (empty when absent). */
  getAll(name: string): string[] {
    const out: string[] = [];
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      if (equalsIgnoreCase(names[i] as string, name)) out.push(this.values[i] as string);
    }
    return out;
  }

  /** Adds a field at the end, even if `name` is already present. */
  append(name: string, value: string): this {
    checkField(name, value);
    this.names.push(name);
    this.values.push(value);
    return this;
  }

  /**
   * Sets the one value of `name`: the first occurrence keeps its place (and takes the new
   * spelling of the name), later ones are removed; appended when absent.
   */
  set(name: string, value: string): this {
    checkField(name, value);
    const i = this.indexOf(name);
    if (i < 0) {
      this.names.push(name);
      this.values.push(value);
      return this;
    }
    this.names[i] = name;
    this.values[i] = value;
    this.removeFrom(name, i + 1);
    return this;
  }

  /** Removes every field called `name`; returns how many were removed. */
  remove(name: string): number {
    return this.removeFrom(name, 0);
  }

  private removeFrom(name: string, from: number): number {
    const names = this.names;
    const values = this.values;
    let w = from;
    for (let r = from; r < names.length; r++) {
      if (equalsIgnoreCase(names[r] as string, name)) continue;
      names[w] = names[r] as string;
      values[w] = values[r] as string;
      w++;
    }
    const removed = names.length - w;
    names.length = w;
    values.length = w;
    return removed;
  }

  /** Fields as `[name, value]` pairs in wire order. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++)
      yield [this.names[i] as string, this.values[i] as string];
  }

  /** Same as {@link HeaderMap.entries}. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** A copy (the arrays are copied, strings shared). */
  clone(): HeaderMap {
    return HeaderMap.fromValidated(this.names.slice(), this.values.slice());
  }

  /** Wire form: `Name: value\r\n` per field, original case and order. */
  toString(): string {
    let s = '';
    for (let i = 0; i < this.names.length; i++) s += `${this.names[i]}: ${this.values[i]}\r\n`;
    return s;
  }
}

function checkField(name: string, value: string): void {
  if (!isToken(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  // Leading/trailing whitespace is not part of a field value (RFC 9110 5.5) and would not
  // survive a parse, so it is refused here.
  const last = value.length - 1;
  const edge = last >= 0 && (isWs(value.charCodeAt(0)) || isWs(value.charCodeAt(last)));
  if (edge || !isFieldValue(value)) throw new TypeError(`invalid value for header ${name}`);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
