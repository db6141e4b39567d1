import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CacheControl,
  correctedInitialAge,
  currentAge,
  freshnessLifetime,
  HttpCache,
  residentTime,
} from '../src/index.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const at = (ms: number) => new Date(ms).toUTCString();
const fields = (pairs: Record<string, string>) => new HeaderMap(Object.entries(pairs));

describe('freshness lifetime (RFC 9111 section 4.2.1), exact', () => {
  it('s-maxage, then max-age, then Expires - Date, then the heuristic', () => {
    expect(freshnessLifetime(200, fields({ 'Cache-Control': 'max-age=100, s-maxage=7' }))).toBe(7);
    expect(freshnessLifetime(200, fields({ 'Cache-Control': 'max-age=100' }))).toBe(100);
    const expires = fields({ Date: at(T0), Expires: at(T0 + 45_000) });
    expect(freshnessLifetime(200, expires)).toBe(45);
    // max-age wins over Expires (section 5.3).
    expires.set('Cache-Control', 'max-age=3');
    expect(freshnessLifetime(200, expires)).toBe(3);
    // 10% of Date - Last-Modified (section 4.2.2): 1000 s old -> 100 s.
    const heuristic = fields({ Date: at(T0), 'Last-Modified': at(T0 - 1_000_000) });
    expect(freshnessLifetime(200, heuristic)).toBe(100);
    expect(freshnessLifetime(200, heuristic, { heuristicFraction: 0.5 })).toBe(500);
    expect(freshnessLifetime(200, heuristic, { maxHeuristicSeconds: 30 })).toBe(30);
  });

  it('an invalid Expires, an Expires before Date and a malformed max-age', () => {
    expect(freshnessLifetime(200, fields({ Expires: '0' }))).toBe(0);
    expect(freshnessLifetime(200, fields({ Date: at(T0), Expires: at(T0 - 5_000) }))).toBe(0);
    // A malformed max-age is ignored (section 1.2.2), so Expires decides.
    const h = fields({ 'Cache-Control': 'max-age=1x', Date: at(T0), Expires: at(T0 + 9_000) });
    expect(freshnessLifetime(200, h)).toBe(9);
    expect(new CacheControl().seconds('max-age')).toBeUndefined();
    expect(
      CacheControl.of(fields({ 'Cache-Control': 'max-age=99999999999' })).seconds('max-age'),
    ).toBe(2 ** 31);
  });

  it('heuristics only for heuristically cacheable statuses, or with public', () => {
    const h = fields({ Date: at(T0), 'Last-Modified': at(T0 - 100_000) });
    expect(freshnessLifetime(404, h)).toBe(10);
    expect(freshnessLifetime(302, h)).toBe(0);
    h.set('Cache-Control', 'public');
    expect(freshnessLifetime(302, h)).toBe(10);
  });

  it('directives: quoted field lists with commas, duplicates keep the first, case-insensitive', () => {
    const cc = CacheControl.of(
      fields({ 'Cache-Control': 'No-Cache="Set-Cookie, X-A", MAX-AGE=5, max-age=9, max-stale' }),
    );
    expect(cc.fieldNames('no-cache')).toEqual(['set-cookie', 'x-a']);
    expect(cc.seconds('max-age')).toBe(5);
    expect(cc.maxStale()).toBe(Number.POSITIVE_INFINITY);
    expect(cc.fieldNames('private')).toBeUndefined();
  });
});

describe('age (RFC 9111 section 4.2.3), exact', () => {
  it('the larger of the apparent age and Age plus the response delay, plus resident time', () => {
    const times = { requestTime: T0 - 2_000, responseTime: T0 };
    // Date 30 s before the response: apparent age 30 > Age 5 + delay 2.
    const h = fields({ Date: at(T0 - 30_000), Age: '5' });
    expect(correctedInitialAge(h, times)).toBe(30);
    expect(currentAge(h, times, T0 + 10_000)).toBe(40);
    // Age 50 + delay 2 > apparent age 30.
    h.set('Age', '50');
    expect(currentAge(h, times, T0 + 10_000)).toBe(62);
    // A clock behind the origin's Date gives no negative age; a malformed Age counts as 0.
    const ahead = fields({ Date: at(T0 + 60_000), Age: 'x' });
    expect(currentAge(ahead, { requestTime: T0, responseTime: T0 }, T0)).toBe(0);
  });

  it('property: currentAge = correctedInitialAge + residentTime, and never decreases with time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (ageField, delay, dateOffset, elapsed, more) => {
          const times = { requestTime: T0 - delay, responseTime: T0 };
          const h = fields({ Date: at(T0 + dateOffset), Age: String(ageField) });
          const now = T0 + elapsed;
          const age = currentAge(h, times, now);
          expect(age).toBe(correctedInitialAge(h, times) + residentTime(times, now));
          expect(age).toBeGreaterThanOrEqual(ageField + delay / 1000);
          expect(currentAge(h, times, now + more)).toBeGreaterThanOrEqual(age);
        },
      ),
    );
  });
});

describe('Age and ttl served with an injected clock, exact', () => {
  it('Age, Cache-Status ttl, and the exact second a response turns stale', async () => {
    let now = T0;
    const cache = new HttpCache({ clock: () => now });
    const request = () =>
      new RequestHeader('GET', '/exact', 'HTTP/1.1', new HeaderMap([['Host', 'exact.test']]));
    const first = cache.begin(request(), { scheme: 'https' });
    expect((await first.lookup()).kind).toBe('miss');
    now += 1_000; // the response arrives 1 s after the request: response delay 1 s
    const decision = first.onUpstreamResponse(
      new ResponseHeader(
        200,
        'OK',
        'HTTP/1.1',
        fields({ Date: at(T0 - 4_000), Age: '2', 'Cache-Control': 'max-age=60', ETag: '"x"' }),
      ),
    );
    if (decision.kind !== 'store') throw new Error(decision.kind);
    decision.writer.write(Buffer.from('exact'));
    await decision.writer.finish();
    first.finish();
    // Apparent age: response time T0+1 s minus Date T0-4 s = 5 s > Age 2 + delay 1 s.
    const served = async () => {
      const c = cache.begin(request(), { scheme: 'https' });
      const found = await c.lookup();
      c.finish();
      return found;
    };
    now += 20_000;
    const hit = await served();
    if (hit.kind !== 'hit') throw new Error(hit.kind);
    expect(hit.response.head.headers.get('age')).toBe('25');
    expect(hit.response.head.headers.get('cache-status')).toBe('pingora-ts; hit; ttl=35');
    now += 34_999; // age 59.999 s: still fresh
    expect((await served()).kind).toBe('hit');
    now += 1; // age 60 s: stale, so revalidated with the stored ETag
    expect(await served()).toEqual({ kind: 'revalidate', conditional: [['If-None-Match', '"x"']] });
  });
});
