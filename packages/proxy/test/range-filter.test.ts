import { HeaderMap } from '@pingora-ts/http-parser';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy, ifRangeMatches, parseRange, RangeBody } from '../src/index.js';
import { type Origin, startOrigin } from './origin.js';

describe('parseRange (RFC 9110 section 14.1.2)', () => {
  it('reads first-last, first- and -suffix, clamps to the size', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual([{ start: 0, end: 9 }]);
    expect(parseRange('bytes=90-', 100)).toEqual([{ start: 90, end: 99 }]);
    expect(parseRange('bytes=-10', 100)).toEqual([{ start: 90, end: 99 }]);
    expect(parseRange('bytes=-500', 100)).toEqual([{ start: 0, end: 99 }]);
    expect(parseRange('bytes=95-500', 100)).toEqual([{ start: 95, end: 99 }]);
    expect(parseRange('bytes= 0-1 , 5-6', 100)).toEqual([
      { start: 0, end: 1 },
      { start: 5, end: 6 },
    ]);
  });

  it('unsatisfiable when no range overlaps; ignored when malformed or another unit', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-1', 100)).toBeUndefined();
    expect(parseRange('bytes=a-b', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
    expect(
      parseRange(`bytes=${Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(',')}`, 100),
    ).toBeUndefined();
  });

  it('If-Range: strong ETag match or the exact Last-Modified date', () => {
    const h = new HeaderMap([
      ['ETag', '"v1"'],
      ['Last-Modified', 'Tue, 01 Sep 2026 10:00:00 GMT'],
    ]);
    expect(ifRangeMatches('"v1"', h)).toBe(true);
    expect(ifRangeMatches('"v2"', h)).toBe(false);
    expect(ifRangeMatches('W/"v1"', h)).toBe(false);
    expect(ifRangeMatches('Tue, 01 Sep 2026 10:00:00 GMT', h)).toBe(true);
    expect(ifRangeMatches('Tue, 01 Sep 2026 10:00:01 GMT', h)).toBe(false);
  });
});

/** Reference: the bytes each range selects, read from the whole body. */
function expectedParts(body: Buffer, ranges: { start: number; end: number }[]): Buffer[] {
  return ranges.map((r) => body.subarray(r.start, r.end + 1));
}

describe('RangeBody', () => {
  it('property: any ranges over any chunking give exactly the selected bytes, with the announced length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (bytes, pairs, cuts) => {
          const body = Buffer.from(bytes);
          const size = body.length;
          const ranges = pairs.map(([a, b]) => {
            const start = a % size;
            return { start, end: Math.min(size - 1, start + (b % size)) };
          });
          const rb = new RangeBody(ranges, size, 'text/plain');
          const out: Uint8Array[] = [];
          let at = 0;
          let i = 0;
          while (at < size) {
            const n = cuts[i++ % cuts.length] as number;
            out.push(...rb.push(body.subarray(at, at + n)));
            at += n;
          }
          out.push(...rb.finish());
          const sent = Buffer.concat(out);
          expect(sent.length).toBe(rb.contentLength);
          if (ranges.length === 1) {
            expect(sent).toEqual(expectedParts(body, ranges)[0]);
            return;
          }
          // multipart/byteranges: each part's Content-Range and bytes, in request order.
          const boundary = rb.contentType?.split('boundary=')[1] as string;
          const parts = sent.toString('latin1').split(`--${boundary}`).slice(1, -1);
          expect(parts).toHaveLength(ranges.length);
          parts.forEach((part, k) => {
            const r = ranges[k] as { start: number; end: number };
            const [head, ...rest] = part.split('\r\n\r\n');
            expect(head).toContain(`Content-Range: bytes ${r.start}-${r.end}/${size}`);
            const data = rest.join('\r\n\r\n').replace(/\r\n$/, '');
            expect(Buffer.from(data, 'latin1')).toEqual(expectedParts(body, [r])[0]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('byte ranges through the proxy', () => {
  const body = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  let origin: Origin;
  let proxy: HttpProxy;
  let port: number;
  beforeAll(async () => {
    origin = await startOrigin((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('ETag', '"e1"');
      res.end(body);
    });
    proxy = new HttpProxy({ upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) });
    ({ port } = await proxy.listen(0, '127.0.0.1'));
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  const get = async (headers: Record<string, string>) => {
    const res = await request(`http://127.0.0.1:${port}/file`, { headers });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };

  it('a single range: 206 with Content-Range', async () => {
    const r = await get({ Range: 'bytes=10-15' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 10-15/${body.length}`);
    expect(r.text).toBe('abcdef');
  });

  it('several ranges: multipart/byteranges', async () => {
    const r = await get({ Range: 'bytes=0-1,-2' });
    expect(r.status).toBe(206);
    expect(r.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
    expect(r.text).toContain('Content-Range: bytes 0-1/36\r\n\r\n01\r\n');
    expect(r.text).toContain('Content-Range: bytes 34-35/36\r\n\r\nyz\r\n');
  });

  it('unsatisfiable: 416 with the size', async () => {
    const r = await get({ Range: 'bytes=100-' });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */36');
  });

  it('If-Range that no longer matches: the whole 200', async () => {
    expect((await get({ Range: 'bytes=0-1', 'If-Range': '"old"' })).status).toBe(200);
    expect((await get({ Range: 'bytes=0-1', 'If-Range': '"e1"' })).status).toBe(206);
  });
});
