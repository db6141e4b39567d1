import type { HeaderMap } from '@pingora-ts/http-parser';
import { CacheControl } from './cache-control.js';

/**
 * Statuses a cache may give heuristic freshness (RFC 9110 section 15.1: "heuristically
 * cacheable by default").
 */
export const HEURISTIC_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** Options of the freshness rules; every default is in {@link FRESHNESS_DEFAULTS}. */
export interface FreshnessOptions {
  /** Share of (Date - Last-Modified) taken as heuristic lifetime (RFC 9111 4.2.2 suggests 10%). */
  heuristicFraction?: number;
  /** Longest heuristic lifetime, seconds. */
  maxHeuristicSeconds?: number;
}

/** Defaults of {@link FreshnessOptions}. */
export const FRESHNESS_DEFAULTS = {
  heuristicFraction: 0.1,
  maxHeuristicSeconds: 86_400,
} as const;

/** An HTTP-date (RFC 9110 section 5.6.7) in milliseconds, or undefined when invalid. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The freshness lifetime of a stored response for a shared cache (RFC 9111 section 4.2.1),
 * seconds: `s-maxage`, else `max-age`, else `Expires - Date`, else a heuristic when allowed
 * (section 4.2.2: Last-Modified present and the status heuristically cacheable or `public`).
 * An invalid Expires means already expired (section 5.3).
 */
export function freshnessLifetime(
  status: number,
  headers: HeaderMap,
  options: FreshnessOptions = {},
  cc: CacheControl = CacheControl.of(headers),
): number {
  const sMaxAge = cc.seconds('s-maxage');
  if (sMaxAge !== undefined) return sMaxAge;
  const maxAge = cc.seconds('max-age');
  if (maxAge !== undefined) return maxAge;
  const expiresField = headers.get('expires');
  if (expiresField !== undefined) {
    const expires = parseHttpDate(expiresField);
    if (expires === undefined) return 0;
    const date = parseHttpDate(headers.get('date'));
    // Without Date the response time stands in for it (the caller stored Date when absent).
    return Math.max(0, Math.floor((expires - (date ?? expires)) / 1000));
  }
  const lastModified = parseHttpDate(headers.get('last-modified'));
  if (lastModified !== undefined && (HEURISTIC_STATUSES.has(status) || cc.has('public'))) {
    const date = parseHttpDate(headers.get('date')) ?? lastModified;
    const fraction = options.heuristicFraction ?? FRESHNESS_DEFAULTS.heuristicFraction;
    const cap = options.maxHeuristicSeconds ?? FRESHNESS_DEFAULTS.maxHeuristicSeconds;
    return Math.min(cap, Math.max(0, Math.floor(((date - lastModified) / 1000) * fraction)));
  }
  return 0;
}

/** True when the lifetime comes from a heuristic (no explicit expiration time). */
export function isHeuristic(
  headers: HeaderMap,
  cc: CacheControl = CacheControl.of(headers),
): boolean {
  return !cc.has('s-maxage') && !cc.has('max-age') && !headers.has('expires');
}

/** The times the age calculation needs (milliseconds since the epoch). */
export interface AgeInputs {
  /** When the request that brought the response was sent. */
  readonly requestTime: number;
  /** When the response was received. */
  readonly responseTime: number;
}

/**
 * The current age of a stored response, seconds (RFC 9111 section 4.2.3): the corrected
 * initial age (the larger of the apparent age from Date and the Age field plus the response
 * delay) plus the time it has been resident here.
 */
export function currentAge(headers: HeaderMap, times: AgeInputs, now: number): number {
  return correctedInitialAge(headers, times) + residentTime(times, now);
}

/**
 * The corrected initial age (RFC 9111 section 4.2.3), seconds: the larger of the apparent age
 * (response time minus Date) and the Age field plus the response delay. It depends on the
 * stored fields and times only, so the hit path computes it once per stored response.
 */
export function correctedInitialAge(headers: HeaderMap, times: AgeInputs): number {
  const date = parseHttpDate(headers.get('date')) ?? times.responseTime;
  const ageField = headers.get('age');
  const ageValue = ageField !== undefined && /^\d+$/.test(ageField) ? Number(ageField) : 0;
  const apparentAge = Math.max(0, times.responseTime - date) / 1000;
  const responseDelay = Math.max(0, times.responseTime - times.requestTime) / 1000;
  return Math.max(apparentAge, ageValue + responseDelay);
}

/** How long a response has been resident here (RFC 9111 section 4.2.3), seconds. */
export function residentTime(times: AgeInputs, now: number): number {
  return Math.max(0, now - times.responseTime) / 1000;
}
