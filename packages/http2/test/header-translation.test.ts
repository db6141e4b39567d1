import { HeaderMap, RequestHeader } from '@pingora-ts/http-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendH2Fields,
  hasHopByHop,
  rawResponseH2,
  rawToH2Object,
} from '../src/header-translation.js';
import {
  fieldsFromH2,
  fieldsToH2,
  requestFromH2,
  requestToH2,
  responseFromH2,
  responseToH2,
  withoutHopByHop,
} from '../src/index.js';

const HOP = ['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade'];

describe('withoutHopByHop', () => {
  it('drops connection-specific fields and those Connection names, keeps te: trailers', () => {
    const h = new HeaderMap([
      ['Connection', 'keep-alive, X-Private'],
      ['X-Private', 'secret'],
      ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'],
      ['Upgrade', 'websocket'],
      ['TE', 'gzip, trailers'],
      ['Content-Type', 'application/grpc'],
    ]);
    expect([...withoutHopByHop(h)]).toEqual([
      ['te', 'trailers'],
      ['Content-Type', 'application/grpc'],
    ]);
    expect([...withoutHopByHop(new HeaderMap([['te', 'gzip']]))]).toEqual([]);
  });

  it('matches a reference model on any field list', () => {
    const name = fc.constantFrom(...HOP, 'te', 'x-a', 'x-b', 'Content-Length', 'cookie', 'Host');
    const value = fc.constantFrom('1', 'trailers', 'x-a', 'gzip, trailers', 'close');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), (fields) => {
        const listed = fields
          .filter(([n]) => n.toLowerCase() === 'connection')
          .flatMap(([, v]) => v.split(',').map((t) => t.trim().toLowerCase()));
        const expected: [string, string][] = [];
        for (const [n, v] of fields) {
          const lower = n.toLowerCase();
          if (HOP.includes(lower) || listed.includes(lower)) continue;
          if (lower === 'te') {
            if (v.split(',').some((t) => t.trim() === 'trailers'))
              expected.push(['te', 'trailers']);
            continue;
          }
          expected.push([n, v]);
        }
        expect([...withoutHopByHop(new HeaderMap(fields))]).toEqual(expected);
      }),
    );
  });

  it('hasHopByHop is false exactly when withoutHopByHop would change nothing', () => {
    const name = fc.oneof(
      fc.constantFrom(...HOP, 'te', 'TE', 'Connection', 'Upgrade', 'x-a', 'Content-Length', 'ETag'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,17}$/),
    );
    const value = fc.constantFrom('1', 'trailers', 'x-a', 'gzip, trailers', 'close');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 10 }), (fields) => {
        const h = new HeaderMap(fields);
        const isSame = JSON.stringify([...withoutHopByHop(h)]) === JSON.stringify(fields);
        // A field list withoutHopByHop leaves alone needs no copy; any other must be copied
        // (a lower-case `te: trailers` is kept as it is, but still goes through the copy).
        const keepsTe = fields.some(([n, v]) => n === 'te' && v === 'trailers');
        expect(hasHopByHop(h)).toBe(!isSame || keepsTe);
      }),
      { numRuns: 500 },
    );
  });
});

describe('requests between HTTP/1.1 and HTTP/2 (RFC 9113 8.3.1)', () => {
  it('turns an h1 head into pseudo-headers with :authority from Host', () => {
    const head = new RequestHeader(
      'POST',
      '/pkg.Svc/Call?x=1',
      'HTTP/1.1',
      new HeaderMap([
        ['Host', 'api.example:8443'],
        ['Connection', 'keep-alive'],
        ['TE', 'trailers'],
        ['Content-Type', 'application/grpc'],
        ['X-Two', 'a'],
        ['x-two', 'b'],
      ]),
    );
    expect(requestToH2(head, 'https')).toEqual({
      ':method': 'POST',
      ':scheme': 'https',
      ':authority': 'api.example:8443',
      ':path': '/pkg.Svc/Call?x=1',
      te: 'trailers',
      'content-type': 'application/grpc',
      'x-two': ['a', 'b'],
    });
    const connect = new RequestHeader('CONNECT', 'db:5432', 'HTTP/1.1', new HeaderMap());
    expect(requestToH2(connect, 'http')).toEqual({ ':method': 'CONNECT', ':authority': 'db:5432' });
    const noHost = new RequestHeader('GET', '/', 'HTTP/1.1', new HeaderMap());
    expect(requestToH2(noHost, 'http', 'origin:81')[':authority']).toBe('origin:81');
  });

  it('turns an h2 header block into a head with Host first and cookies joined', () => {
    const r = requestFromH2([
      ':method',
      'GET',
      ':scheme',
      'https',
      ':authority',
      'a.example',
      ':path',
      '/p?q',
      'cookie',
      'a=1',
      'accept',
      '*/*',
      'host',
      'ignored.example',
      'cookie',
      'b=2',
    ]);
    expect(r.method).toBe('GET');
    expect(r.rawTarget).toBe('/p?q');
    expect(r.path).toBe('/p');
    expect([...r.headers]).toEqual([
      ['host', 'a.example'],
      ['accept', '*/*'],
      ['cookie', 'a=1; b=2'],
    ]);
  });

  it('round-trips method, target and end-to-end fields h1 -> h2 -> h1', () => {
    const token = fc.stringMatching(/^x-[a-z0-9]{1,8}$/);
    const fieldValue = fc.stringMatching(/^[!-~]([ !-~]{0,10}[!-~])?$/);
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.stringMatching(/^\/[a-z0-9/._~-]{0,20}(\?[a-z0-9=&]{0,10})?$/),
        fc.array(fc.tuple(token, fieldValue), { maxLength: 8 }),
        (method, target, fields) => {
          const head = new RequestHeader(
            method,
            target,
            'HTTP/1.1',
            new HeaderMap([['Host', 'h.example'], ...fields, ['Connection', 'close']]),
          );
          const block = requestToH2(head, 'http');
          const raw: string[] = [];
          for (const [n, v] of Object.entries(block)) {
            for (const one of [v].flat()) raw.push(n, String(one));
          }
          const back = requestFromH2(raw);
          expect(back.method).toBe(method);
          expect(back.rawTarget).toBe(target);
          const expectedFields = [['host', 'h.example'], ...fields];
          // h2 groups duplicates of a name (node:http2 headers objects); order per name is kept.
          const sorted = (xs: string[][]) =>
            [...xs].sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
          expect(sorted([...back.headers])).toEqual(sorted(expectedFields));
        },
      ),
    );
  });
});

describe('responses and trailers', () => {
  it('drops hop-by-hop fields and the reason phrase', () => {
    const h = new HeaderMap([
      ['Content-Type', 'text/plain'],
      ['Transfer-Encoding', 'chunked'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect(responseToH2(404, h)).toEqual({
      ':status': 404,
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
    });
    const r = responseFromH2([':status', '503', 'retry-after', '5', 'connection', 'close']);
    expect([r.status, r.reason]).toEqual([503, 'Service Unavailable']);
    expect([...r.headers]).toEqual([['retry-after', '5']]);
  });

  it('converts trailer blocks both ways', () => {
    expect(
      fieldsToH2(
        new HeaderMap([
          ['Grpc-Status', '0'],
          ['te', 'trailers'],
        ]),
      ),
    ).toEqual({
      'grpc-status': '0',
    });
    expect([...fieldsFromH2({ 'grpc-status': '0', 'x-d': ['1', '2'] })]).toEqual([
      ['grpc-status', '0'],
      ['x-d', '1'],
      ['x-d', '2'],
    ]);
  });
});

describe('raw response header blocks', () => {
  it('lower-cases names, leaves te out and keeps repeated fields as pairs', () => {
    const clean = new HeaderMap([
      ['Content-Type', 'text/plain'],
      ['TE', 'trailers'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect(rawResponseH2(200, clean)).toEqual([
      ':status',
      '200',
      'content-type',
      'text/plain',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
    ]);
  });

  it('lower-cases every name, past the most it remembers too', () => {
    // More distinct names than the lower-case cache keeps, each asked for twice.
    const names = Array.from({ length: 600 }, (_, i) => `X-Field-${i}`);
    for (const round of [1, 2]) {
      const raw = rawResponseH2(200, new HeaderMap(names.map((n) => [n, String(round)])));
      expect(raw.filter((_, i) => i % 2 === 0).slice(1)).toEqual(names.map((n) => n.toLowerCase()));
    }
  });

  it('as a headers object (for a Node without raw respond) equals appendH2Fields', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
    const value = fc.stringMatching(/^[ -~]{0,16}$/).map((v) => v.trim());
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 599 }),
        fc.array(fc.tuple(fc.oneof(name, fc.constantFrom('Set-Cookie', 'te', 'Vary')), value), {
          maxLength: 12,
        }),
        (status, fields) => {
          const clean = new HeaderMap(fields);
          expect(rawToH2Object(rawResponseH2(status, clean))).toEqual(
            appendH2Fields(clean, { ':status': status }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
