import { HeaderMap } from '@pingora-ts/http-parser';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasHopByHop } from '../src/hop-by-hop.js';
import { addForwardedHeaders, HttpProxy, withoutHopByHop } from '../src/index.js';
import { type Origin, rawExchange, startOrigin } from './origin.js';

describe('withoutHopByHop (RFC 9110 section 7.6.1)', () => {
  // The fixed hop-by-hop names of RFC 9110 section 7.6.1 (the reference the properties use).
  const FIXED = 'connection proxy-connection keep-alive te transfer-encoding upgrade'.split(' ');

  it('removes exactly the fixed hop-by-hop fields and every field Connection names (property)', () => {
    const pool = [...FIXED, 'x-private', 'close', 'host', 'accept', 'x-a', 'te-x', 'keep'];
    const name = fc
      .tuple(fc.constantFrom(...pool), fc.boolean())
      .map(([n, upper]) => (upper ? n.toUpperCase() : n));
    const field = fc.tuple(
      name,
      fc.constantFrom('v', 'keep-alive', 'Keep-Alive', 'close', 'TE', 'close, X-A', 'x-private'),
    );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 12 }), (fields) => {
        const headers = new HeaderMap(fields);
        const named = new Set(FIXED);
        for (const [n, v] of fields) {
          if (n.toLowerCase() !== 'connection') continue;
          for (const t of v.split(',')) if (t.trim() !== '') named.add(t.trim().toLowerCase());
        }
        const expected = fields.filter(([n]) => !named.has(n.toLowerCase()));
        expect([...withoutHopByHop(headers)]).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('tells hop-by-hop names in any mix of case from same-length look-alikes (property)', () => {
    // Same lengths as the hop-by-hop names, one byte off (a letter, or '_' for '-').
    const decoys = ['tf', 't_', 'upgradf', 'connectioo', 'keep-alivf', 'keep_alive', 'x-private'];
    const base = fc.constantFrom(...FIXED, ...decoys, 'proxy-connectioN', 'transfer-encodinh');
    const name = fc
      .tuple(base, fc.array(fc.boolean(), { minLength: 17, maxLength: 17 }))
      .map(([n, upper]) =>
        [...n].map((c, i) => (upper[i] === true ? c.toUpperCase() : c.toLowerCase())).join(''),
      );
    const value = fc.constantFrom('v', 'keep-alive', 'KEEP-ALIVE', 'close, Keep-AlivF', 'Upgrade');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, value), { maxLength: 10 }),
        fc.boolean(),
        (fields, up) => {
          const headers = new HeaderMap(fields);
          const named = new Set(FIXED);
          for (const [n, v] of fields) {
            if (n.toLowerCase() !== 'connection') continue;
            for (const t of v.split(',')) if (t.trim() !== '') named.add(t.trim().toLowerCase());
          }
          const isDropped = (n: string) =>
            named.has(n.toLowerCase()) && !(up && n.toLowerCase() === 'upgrade');
          const expected: [string, string][] = fields.filter(([n]) => !isDropped(n));
          if (up) expected.push(['Connection', 'upgrade']);
          expect([...withoutHopByHop(headers, up)]).toEqual(expected);
          expect(hasHopByHop(headers)).toBe(fields.some(([n]) => FIXED.includes(n.toLowerCase())));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('hasHopByHop is false exactly when withoutHopByHop changes nothing (property)', () => {
    const name = fc.oneof(
      fc.constantFrom('Connection', 'TE', 'te', 'Upgrade', 'Keep-Alive', 'x-private', 'Host'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,17}$/),
    );
    const field = fc.tuple(name, fc.constantFrom('v', 'close', 'x-private', 'Host'));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 10 }), (fields) => {
        const headers = new HeaderMap(fields);
        const isSame = JSON.stringify([...withoutHopByHop(headers)]) === JSON.stringify(fields);
        expect(hasHopByHop(headers)).toBe(!isSame);
      }),
      { numRuns: 500 },
    );
  });

  it('drops the fixed hop-by-hop fields and those Connection names, keeps order and case', () => {
    const h = new HeaderMap([
      ['Host', 'a'],
      ['Connection', 'keep-alive, X-Private'],
      ['Keep-Alive', 'timeout=5'],
      ['X-Private', 'secret'],
      ['TE', 'trailers'],
      ['Transfer-Encoding', 'chunked'],
      ['Proxy-Connection', 'keep-alive'],
      ['Upgrade', 'websocket'],
      ['X-Kept', '1'],
      ['x-private', 'again'],
    ]);
    expect([...withoutHopByHop(h)]).toEqual([
      ['Host', 'a'],
      ['X-Kept', '1'],
    ]);
  });

  it('keeps Upgrade and sends Connection: upgrade for a protocol switch', () => {
    const h = new HeaderMap([
      ['Connection', 'Upgrade'],
      ['Upgrade', 'websocket'],
      ['Sec-WebSocket-Key', 'k'],
    ]);
    expect([...withoutHopByHop(h, true)]).toEqual([
      ['Upgrade', 'websocket'],
      ['Sec-WebSocket-Key', 'k'],
      ['Connection', 'upgrade'],
    ]);
  });
});

describe('header hygiene through the proxy', () => {
  let origin: Origin;
  let proxy: HttpProxy;
  let port: number;
  beforeAll(async () => {
    origin = await startOrigin((_req, res) => {
      res.setHeader('Connection', 'keep-alive, X-Hop');
      res.setHeader('X-Hop', 'must not pass');
      res.setHeader('Keep-Alive', 'timeout=30');
      res.end('ok');
    });
    proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }),
      upstreamRequestFilter: (s, upstream) =>
        addForwardedHeaders(s, upstream, { forwarded: true, via: 'pingora-ts' }),
    });
    ({ port } = await proxy.listen(0, '127.0.0.1'));
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  it('request: hop-by-hop fields removed, Host kept, forwarding fields added', async () => {
    const answer = await rawExchange(
      port,
      'GET /h HTTP/1.1\r\nHost: example.test\r\nConnection: close, X-Drop\r\nX-Drop: 1\r\nTE: gzip\r\n' +
        'X-Forwarded-For: 203.0.113.9\r\nKeep-Alive: 5\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    const seen = origin.seen.at(-1)?.headers ?? {};
    expect(seen.host).toBe('example.test');
    expect(seen['x-drop']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('example.test');
    expect(seen.forwarded).toBe('for=127.0.0.1;proto=http;host=example.test');
    expect(seen.via).toBe('1.1 pingora-ts');
  });

  it('response: hop-by-hop fields of the upstream do not reach the client', async () => {
    const res = await request(`http://127.0.0.1:${port}/r`);
    expect(await res.body.text()).toBe('ok');
    expect(res.headers['x-hop']).toBeUndefined();
    expect(res.headers['keep-alive']).toBeUndefined();
  });
});
