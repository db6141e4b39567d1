/**
 * 256-entry byte classes for the hot loops (one array load per byte, no regex). Grammar from
 * RFC 9110 5.6.2 (token, tchar), 5.5 (field-value: VCHAR, obs-text, SP, HTAB) and RFC 9112 3.2
 * (request-target is visible ASCII; obs-text above 0x7F is tolerated as llhttp does).
 */

/** 1 for tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA (RFC 9110 5.6.2). */
export const TOKEN: Uint8Array = new Uint8Array(256);
/** 1 for bytes allowed inside a field value: VCHAR, obs-text, SP, HTAB (RFC 9110 5.5). */
export const FIELD_VALUE: Uint8Array = new Uint8Array(256);
/**
 * 1 for bytes allowed in a request-target: visible ASCII (RFC 9112 3.2 and RFC 3986 allow no
 * bytes above 0x7F; characters RFC 3986 leaves out, such as `"{}|\^`, are tolerated because
 * clients send them and they cannot break framing).
 */
export const TARGET: Uint8Array = new Uint8Array(256);
/** Hex digit value plus one (0 = not a hex digit), for chunk sizes (RFC 9112 7.1). */
export const HEX: Uint8Array = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  TOKEN[c] = alnum || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)) ? 1 : 0;
  FIELD_VALUE[c] = (c >= 0x21 && c !== 0x7f) || c === 0x20 || c === 0x09 ? 1 : 0;
  TARGET[c] = c >= 0x21 && c < 0x7f ? 1 : 0;
  if (c >= 0x30 && c <= 0x39) HEX[c] = c - 0x30 + 1;
  else if (c >= 0x41 && c <= 0x46) HEX[c] = c - 0x41 + 11;
  else if (c >= 0x61 && c <= 0x66) HEX[c] = c - 0x61 + 11;
}

/** True when `s` is a non-empty token (RFC 9110 5.6.2). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}

/** True when `s` may be sent as a field value: field-value chars only, no leading/trailing whitespace. */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return false;
  }
  return true;
}

/** ASCII case-insensitive equality of two header names (RFC 9110 5.1: names are case-insensitive). */
export function equalsIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lx = x | 0x20;
    if (lx !== (y | 0x20) || lx < 0x61 || lx > 0x7a) return false;
  }
  return true;
}
