import type { HeaderMap } from '@pingora-ts/http-parser';

/** Header changes of a route, applied in the order remove, set, add. */
export interface HeaderEdits {
  readonly add?: Readonly<Record<string, string>> | undefined;
  readonly set?: Readonly<Record<string, string>> | undefined;
  readonly remove?: readonly string[] | undefined;
}

/**
 * Applies `edits` to `headers`: `remove` drops every field of that name, `set` replaces (one
 * field), `add` appends another field beside existing ones. `{name}` in a value is replaced by
 * `vars[name]` (route parameters, `request_id`, `client_ip`).
 */
export function applyHeaderEdits(
  headers: HeaderMap,
  edits: HeaderEdits | undefined,
  vars: Readonly<Record<string, string>>,
): void {
  if (edits === undefined) return;
  for (const name of edits.remove ?? []) headers.remove(name);
  for (const [name, value] of Object.entries(edits.set ?? {})) {
    headers.set(name, fillTemplate(value, vars));
  }
  for (const [name, value] of Object.entries(edits.add ?? {})) {
    headers.append(name, fillTemplate(value, vars));
  }
}

/** `{name}` -> `vars[name]` (unknown names are left as written). */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  if (!template.includes('{')) return template;
  return template.replace(/\{([\w*-]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
