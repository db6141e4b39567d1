const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of `value` (deeply) with
 * `vars[NAME]`, the default when unset or empty, or the empty string. `$${` escapes a literal
 * `${`. Only values are touched, never keys, so the schema still sees the file's structure.
 */
export function interpolate(
  value: unknown,
  vars: Readonly<Record<string, string | undefined>>,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const parts = value.split('$${');
    return parts
      .map((part) =>
        part.replace(REFERENCE, (_m, name: string, fallback: string | undefined) => {
          const v = vars[name];
          return v === undefined || v === '' ? (fallback ?? '') : v;
        }),
      )
      .join('${');
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, vars);
    return out;
  }
  return value;
}
