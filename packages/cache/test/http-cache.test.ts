import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpCache } from '../src/index.js';
import { type Origin, refreshes, startOrigin, through } from './origin.js';

let origin: Origin;
let skew = 0;
let cache: HttpCache;
const clock = () => Date.now() + skew;
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toUTCString();
let n = 0;
/** A fresh path per test, so tests do not share stored responses. */
const unique = (name: string) => `/${name}-${++n}`;

beforeAll(async () => {
  origin = await startOrigin();
});
afterAll(() => origin.close());
beforeEach(() => {
  skew = 0;
  cache = new HttpCache({ clock });
});

/** Registers `path` answering with these headers and a body naming the hit count. */
function serve(path: string, headers: Record<string, string>, status = 200) {
  origin.route(path, (req, res) => {
    const count = origin.hits.get(path) ?? 0;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const etag = headers.ETag;
    if (etag !== undefined && req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.setHeader('X-Revalidated', String(count));
      res.end();
      return;
    }
    res.statusCode = status;
    res.end(`body ${count}`);
  });
  return path;
}

describe('freshness (RFC 9111 section 4.2)', () => {
  it('max-age: a hit while fresh, with Age and Cache-Status; revalidated once stale', async () => {
    const p = serve(unique('max-age'), { 'Cache-Control': 'max-age=60', ETag: '"v1"' });
    expect((await through(cache, origin, p)).from).toBe('origin');
    skew = 10_000;
    const hit = await through(cache, origin, p);
    expect(hit).toMatchObject({ from: 'cache', body: 'body 1' });
    const age = Number(hit.headers.get('age'));
    const ttl = Number(
      /^pingora-ts; hit; ttl=(\d+)$/.exec(hit.headers.get('cache-status') ?? '')?.[1],
    );
    expect(age).toBeGreaterThanOrEqual(10);
    expect(age + ttl).toBeGreaterThanOrEqual(59); // a slow machine moves them, not their sum
    expect(age + ttl).toBeLessThanOrEqual(60);
    skew = 61_000;
    const again = await through(cache, origin, p);
    expect(origin.lastConditional.get(p)).toBe('"v1"');
    expect(again).toMatchObject({ from: 'cache', body: 'body 1' });
    expect(again.headers.get('x-revalidated')).toBe('2'); // the 304's fields replace the stored ones
    expect(again.headers.get('cache-status')).toBe('pingora-ts; fwd=stale; fwd-status=304');
    expect(origin.hits.get(p)).toBe(2);
  });

  it('s-maxage wins over max-age for a shared cache', async () => {
    const p = serve(unique('s-maxage'), { 'Cache-Control': 'max-age=1000, s-maxage=5' });
    await through(cache, origin, p);
    skew = 6_000;
    expect((await through(cache, origin, p)).from).toBe('origin');
  });

  it('Expires minus Date; an invalid Expires is already stale', async () => {
    const p = serve(unique('expires'), {
      Date: ago(0),
      Expires: new Date(Date.now() + 30_000).toUTCString(),
    });
    await through(cache, origin, p);
    skew = 20_000;
    expect((await through(cache, origin, p)).from).toBe('cache');
    skew = 40_000;
    expect((await through(cache, origin, p)).from).toBe('origin');
    const bad = serve(unique('bad-expires'), { Expires: '0', ETag: '"e"' });
    await through(cache, origin, bad);
    expect((await through(cache, origin, bad)).headers.get('cache-status')).toBe(
      'pingora-ts; fwd=stale; fwd-status=304',
    );
  });

  it('heuristic freshness from Last-Modified (10% of its age) for a heuristically cacheable status', async () => {
    const p = serve(unique('heuristic'), { Date: ago(0), 'Last-Modified': ago(1000) });
    await through(cache, origin, p);
    skew = 90_000;
    expect((await through(cache, origin, p)).from).toBe('cache');
    skew = 110_000;
    expect((await through(cache, origin, p)).from).toBe('origin');
  });

  it('Age from upstream counts (corrected initial age)', async () => {
    const p = serve(unique('age'), { 'Cache-Control': 'max-age=100', Age: '95' });
    await through(cache, origin, p);
    skew = 3_000;
    expect(Number((await through(cache, origin, p)).headers.get('age'))).toBeGreaterThanOrEqual(98);
    skew = 6_000;
    expect((await through(cache, origin, p)).from).toBe('origin');
  });
});

describe('what is stored (RFC 9111 section 3)', () => {
  it('no-store and private responses are not stored; a request with no-store bypasses', async () => {
    for (const cc of ['no-store', 'private', 'private, max-age=60']) {
      const p = serve(unique('not-stored'), { 'Cache-Control': cc });
      await through(cache, origin, p);
      expect((await through(cache, origin, p)).from, cc).toBe('origin');
    }
    const p = serve(unique('req-no-store'), { 'Cache-Control': 'max-age=60' });
    const bypass = await through(cache, origin, p, { headers: { 'Cache-Control': 'no-store' } });
    expect(bypass.headers.get('cache-status')).toBe('pingora-ts; fwd=bypass');
    expect((await through(cache, origin, p)).from).toBe('origin');
  });

  it('Authorization: stored only with public, s-maxage or must-revalidate (section 3.5)', async () => {
    const auth = { headers: { Authorization: 'Bearer x' } };
    const plain = serve(unique('auth-plain'), { 'Cache-Control': 'max-age=60' });
    await through(cache, origin, plain, auth);
    expect((await through(cache, origin, plain, auth)).from).toBe('origin');
    for (const cc of ['public, max-age=60', 's-maxage=60', 'max-age=60, must-revalidate']) {
      const p = serve(unique('auth-ok'), { 'Cache-Control': cc });
      await through(cache, origin, p, auth);
      expect((await through(cache, origin, p, auth)).from, cc).toBe('cache');
    }
  });

  it('a qualified private stores the response without the named fields (section 5.2.2.7)', async () => {
    const p = serve(unique('private-fields'), {
      'Cache-Control': 'max-age=60, private="Set-Cookie"',
      'Set-Cookie': 'session=1',
      'X-Kept': 'yes',
    });
    expect((await through(cache, origin, p)).headers.get('set-cookie')).toBe('session=1');
    const hit = await through(cache, origin, p);
    expect(hit).toMatchObject({ from: 'cache', body: 'body 1' });
    expect(hit.headers.get('set-cookie')).toBeUndefined();
    expect(hit.headers.get('x-kept')).toBe('yes');
  });

  it('must-understand with no-store: stored for an understood status, not for another', async () => {
    const ok = serve(unique('must-understand'), {
      'Cache-Control': 'max-age=60, must-understand, no-store',
    });
    await through(cache, origin, ok);
    expect((await through(cache, origin, ok)).from).toBe('cache');
    const odd = serve(
      unique('must-understand-299'),
      { 'Cache-Control': 'max-age=60, must-understand, no-store' },
      299,
    );
    await through(cache, origin, odd);
    expect((await through(cache, origin, odd)).from).toBe('origin');
  });

  it('public: heuristic freshness for a status that has none by default (302)', async () => {
    const withPublic = serve(
      unique('public-302'),
      { 'Cache-Control': 'public', Date: ago(0), 'Last-Modified': ago(1000), Location: '/x' },
      302,
    );
    await through(cache, origin, withPublic);
    expect((await through(cache, origin, withPublic)).from).toBe('cache');
    const without = serve(
      unique('plain-302'),
      { Date: ago(0), 'Last-Modified': ago(1000), Location: '/x' },
      302,
    );
    await through(cache, origin, without);
    expect((await through(cache, origin, without)).from).toBe('origin');
  });

  it('a validator without freshness: stored, revalidated before each use, the 304 saves the body', async () => {
    const p = serve(unique('etag-only'), { ETag: '"only"' });
    await through(cache, origin, p);
    const second = await through(cache, origin, p);
    expect(origin.lastConditional.get(p)).toBe('"only"');
    expect(second).toMatchObject({ from: 'cache', body: 'body 1' });
    expect(second.headers.get('cache-status')).toBe('pingora-ts; fwd=stale; fwd-status=304');
    expect(origin.hits.get(p)).toBe(2);
  });

  it('a stored response replaced upstream by one that may not be stored is dropped', async () => {
    const p = unique('replaced');
    let isNoStore = false;
    origin.route(p, (_req, res) => {
      res.setHeader('Cache-Control', isNoStore ? 'no-store' : 'max-age=60');
      res.end(isNoStore ? 'new' : 'old');
    });
    await through(cache, origin, p);
    isNoStore = true;
    const forced = await through(cache, origin, p, { headers: { 'Cache-Control': 'no-cache' } });
    expect(forced).toMatchObject({ from: 'origin', body: 'new' });
    expect(await through(cache, origin, p)).toMatchObject({ from: 'origin', body: 'new' });
  });

  it('no freshness and no validator: not stored', async () => {
    const p = serve(unique('nothing'), {});
    await through(cache, origin, p);
    expect((await through(cache, origin, p)).from).toBe('origin');
  });
});

describe('response directives', () => {
  it('no-cache: stored, but revalidated before every use', async () => {
    const p = serve(unique('no-cache'), { 'Cache-Control': 'no-cache', ETag: '"n"' });
    await through(cache, origin, p);
    const second = await through(cache, origin, p);
    expect(second.from).toBe('cache');
    expect(origin.hits.get(p)).toBe(2);
    expect(origin.lastConditional.get(p)).toBe('"n"');
  });

  it('no-cache with field names: used without revalidation, without those fields', async () => {
    const p = serve(unique('no-cache-fields'), {
      'Cache-Control': 'max-age=60, no-cache="Set-Cookie"',
      'Set-Cookie': 'a=1',
    });
    const first = await through(cache, origin, p);
    expect(first.headers.get('set-cookie')).toBe('a=1');
    const hit = await through(cache, origin, p);
    expect(hit.from).toBe('cache');
    expect(hit.headers.get('set-cookie')).toBeUndefined();
  });

  it('must-revalidate: a stale response is not served even when the client accepts stale', async () => {
    const p = serve(unique('must-revalidate'), { 'Cache-Control': 'max-age=1, must-revalidate' });
    await through(cache, origin, p);
    skew = 5_000;
    expect(
      (await through(cache, origin, p, { headers: { 'Cache-Control': 'max-stale=100' } })).from,
    ).toBe('origin');
  });

  it('proxy-revalidate and s-maxage bind a shared cache like must-revalidate', async () => {
    for (const cc of ['max-age=1, proxy-revalidate', 's-maxage=1']) {
      const p = serve(unique('proxy-revalidate'), { 'Cache-Control': cc });
      await through(cache, origin, p);
      skew = 5_000;
      const stale = { headers: { 'Cache-Control': 'max-stale=100' } };
      expect((await through(cache, origin, p, stale)).from, cc).toBe('origin');
      skew = 0;
    }
  });

  it('stale-while-revalidate: serves stale once stale, refreshes in the background once', async () => {
    const p = serve(unique('swr'), { 'Cache-Control': 'max-age=1, stale-while-revalidate=60' });
    await through(cache, origin, p);
    skew = 5_000;
    const [a, b] = await Promise.all([through(cache, origin, p), through(cache, origin, p)]);
    expect(a).toMatchObject({ from: 'cache', body: 'body 1' });
    expect(a.headers.get('cache-status')).toMatch(/detail=stale-while-revalidate/);
    await Promise.all(refreshes);
    expect(origin.hits.get(p)).toBe(2); // one refresh, not one per stale answer
    expect(b.from).toBe('cache');
    expect((await through(cache, origin, p)).body).toBe('body 2');
  });

  it('stale-if-error: the stale response when the origin fails or is down', async () => {
    const p = unique('sie');
    let isBroken = false;
    origin.route(p, (_req, res) => {
      res.setHeader('Cache-Control', 'max-age=1, stale-if-error=60');
      res.statusCode = isBroken ? 500 : 200;
      res.end(isBroken ? 'broken' : 'good');
    });
    await through(cache, origin, p);
    skew = 5_000;
    isBroken = true;
    const served = await through(cache, origin, p);
    expect(served).toMatchObject({ status: 200, body: 'good', from: 'cache' });
    expect(served.headers.get('cache-status')).toMatch(/detail=stale-if-error/);
    expect((await through(cache, origin, p, { isOriginDown: true })).body).toBe('good');
    skew = 120_000;
    expect((await through(cache, origin, p)).status).toBe(500);
  });
});

describe('request directives', () => {
  it('max-age=0 and no-cache force revalidation; min-fresh; max-stale accepts stale', async () => {
    const p = serve(unique('req'), { 'Cache-Control': 'max-age=60', ETag: '"r"' });
    await through(cache, origin, p);
    skew = 10_000;
    await through(cache, origin, p, { headers: { 'Cache-Control': 'max-age=0' } });
    expect(origin.hits.get(p)).toBe(2);
    await through(cache, origin, p, { headers: { 'Cache-Control': 'no-cache' } });
    expect(origin.hits.get(p)).toBe(3);
    await through(cache, origin, p, { headers: { 'Cache-Control': 'min-fresh=55' } });
    expect(origin.hits.get(p)).toBe(4);
    const q = serve(unique('stale-ok'), { 'Cache-Control': 'max-age=1' });
    await through(cache, origin, q);
    skew = 20_000;
    expect(
      (await through(cache, origin, q, { headers: { 'Cache-Control': 'max-stale=30' } })).from,
    ).toBe('cache');
    expect(
      (await through(cache, origin, q, { headers: { 'Cache-Control': 'max-stale=5' } })).from,
    ).toBe('origin');
  });

  it('only-if-cached: 504 when nothing usable is stored, the stored response when it is', async () => {
    const p = serve(unique('oic'), { 'Cache-Control': 'max-age=60' });
    const none = await through(cache, origin, p, {
      headers: { 'Cache-Control': 'only-if-cached' },
    });
    expect(none.status).toBe(504);
    expect(origin.hits.get(p)).toBeUndefined();
    await through(cache, origin, p);
    expect(
      (await through(cache, origin, p, { headers: { 'Cache-Control': 'only-if-cached' } })).from,
    ).toBe('cache');
  });
});

describe('Vary, HEAD, conditionals, invalidation, purge', () => {
  it('Vary keeps variants apart; Vary: * is never matched', async () => {
    const p = unique('vary');
    origin.route(p, (req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Vary', 'Accept-Language');
      res.end(`lang=${req.headers['accept-language']}`);
    });
    const en = { headers: { 'Accept-Language': 'en' } };
    const fr = { headers: { 'Accept-Language': 'fr' } };
    expect((await through(cache, origin, p, en)).body).toBe('lang=en');
    const miss = await through(cache, origin, p, fr);
    expect(miss.body).toBe('lang=fr');
    expect(miss.headers.get('cache-status')).toMatch(/fwd=vary-miss/);
    expect(await through(cache, origin, p, en)).toMatchObject({ from: 'cache', body: 'lang=en' });
    expect(await through(cache, origin, p, fr)).toMatchObject({ from: 'cache', body: 'lang=fr' });
    const star = serve(unique('vary-star'), { 'Cache-Control': 'max-age=60', Vary: '*' });
    await through(cache, origin, star);
    expect((await through(cache, origin, star)).from).toBe('origin');
  });

  it('HEAD is answered from a stored GET', async () => {
    const p = serve(unique('head'), { 'Cache-Control': 'max-age=60' });
    await through(cache, origin, p);
    const head = await through(cache, origin, p, { method: 'HEAD' });
    expect(head).toMatchObject({ from: 'cache', body: '' });
    expect(head.headers.get('content-length')).toBe('6');
  });

  it("a client's conditional request is answered 304 from the cache", async () => {
    const p = serve(unique('client-cond'), {
      'Cache-Control': 'max-age=60',
      ETag: '"c1"',
      'Last-Modified': ago(100),
    });
    await through(cache, origin, p);
    const byEtag = await through(cache, origin, p, { headers: { 'If-None-Match': 'W/"c1"' } });
    expect(byEtag).toMatchObject({ status: 304, from: 'cache', body: '' });
    expect(byEtag.headers.get('etag')).toBe('"c1"');
    const byDate = await through(cache, origin, p, { headers: { 'If-Modified-Since': ago(0) } });
    expect(byDate.status).toBe(304);
    expect(
      (await through(cache, origin, p, { headers: { 'If-None-Match': '"other"' } })).status,
    ).toBe(200);
  });

  it('a successful unsafe request invalidates its target and its Location (section 4.4)', async () => {
    const item = serve(unique('item'), { 'Cache-Control': 'max-age=60' });
    const list = serve(unique('list'), { 'Cache-Control': 'max-age=60' });
    await through(cache, origin, item);
    await through(cache, origin, list);
    origin.route(`${item}-post`, () => {});
    origin.route(item, (req, res) => {
      if (req.method === 'POST') {
        res.setHeader('Location', list);
        res.statusCode = 201;
        res.end('created');
        return;
      }
      res.setHeader('Cache-Control', 'max-age=60');
      res.end('fresh copy');
    });
    await through(cache, origin, item, { method: 'POST' });
    expect((await through(cache, origin, item)).body).toBe('fresh copy');
    expect((await through(cache, origin, list)).from).toBe('origin');
    expect(cache.stats.invalidated).toBe(2);
  });

  it('Cache-Status on every path: stored miss, pass, unsafe request', async () => {
    const p = serve(unique('status'), { 'Cache-Control': 'max-age=60' });
    expect((await through(cache, origin, p)).headers.get('cache-status')).toBe(
      'pingora-ts; fwd=uri-miss; stored',
    );
    const q = serve(unique('status-pass'), { 'Cache-Control': 'no-store' });
    expect((await through(cache, origin, q)).headers.get('cache-status')).toBe(
      'pingora-ts; fwd=uri-miss',
    );
    expect(
      (await through(cache, origin, p, { method: 'DELETE' })).headers.get('cache-status'),
    ).toBe('pingora-ts; fwd=bypass');
    expect(cache.stats).toMatchObject({ stored: 1, bypassed: 1, invalidated: 1 });
  });

  it('purge by URI', async () => {
    const p = serve(unique('purge'), { 'Cache-Control': 'max-age=60' });
    await through(cache, origin, p);
    expect(await cache.purge(`http://origin.test${p}`)).toBe(1);
    expect((await through(cache, origin, p)).from).toBe('origin');
  });
});

describe('the cache lock', () => {
  it('100 concurrent misses on one key make exactly one origin request; all get the body', async () => {
    const p = unique('lock');
    origin.route(p, (_req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      setTimeout(() => res.end('the one answer'), 50);
    });
    const all = await Promise.all(Array.from({ length: 100 }, () => through(cache, origin, p)));
    expect(origin.hits.get(p)).toBe(1);
    expect(all.every((r) => r.body === 'the one answer')).toBe(true);
    expect(all.filter((r) => r.headers.get('cache-status')?.includes('collapsed'))).toHaveLength(
      99,
    );
  });

  it('waiters go upstream themselves when the holder fails', async () => {
    const p = unique('lock-fail');
    origin.route(p, (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      setTimeout(() => res.end('not storable'), 20);
    });
    const all = await Promise.all(Array.from({ length: 5 }, () => through(cache, origin, p)));
    expect(all.every((r) => r.body === 'not storable')).toBe(true);
    expect(origin.hits.get(p)).toBeGreaterThan(1);
  });
});
