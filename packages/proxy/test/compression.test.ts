import zlib from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy, negotiateCoding } from '../src/index.js';
import { type Origin, startOrigin } from './origin.js';

const TEXT = 'the quick brown fox jumps over the lazy dog\n'.repeat(200);

describe('negotiateCoding (RFC 9110 section 12.5.3)', () => {
  it('highest q wins, ties go to our order, q=0 refuses, * covers the rest', () => {
    expect(negotiateCoding('gzip, br', ['zstd', 'br', 'gzip'])).toBe('br');
    expect(negotiateCoding('gzip;q=1, br;q=0.5', ['br', 'gzip'])).toBe('gzip');
    expect(negotiateCoding('br;q=0, gzip;q=0', ['br', 'gzip'])).toBeUndefined();
    expect(negotiateCoding('*', ['zstd', 'gzip'])).toBe('zstd');
    expect(negotiateCoding('*;q=0.1, gzip;q=0', ['gzip', 'br'])).toBe('br');
    expect(negotiateCoding(undefined, ['gzip'])).toBeUndefined();
    expect(negotiateCoding('identity', ['gzip'])).toBeUndefined();
  });
});

describe('response compression and decompression through the proxy', () => {
  let origin: Origin;
  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      if (req.url === '/gzipped') {
        res.setHeader('Content-Type', 'text/plain');
        res.setHeader('Content-Encoding', 'gzip');
        res.end(zlib.gzipSync(TEXT));
        return;
      }
      res.setHeader('Content-Type', req.url === '/image' ? 'image/png' : 'text/plain');
      res.setHeader('ETag', '"abc"');
      res.end(req.url === '/small' ? 'tiny' : TEXT);
    });
  });
  afterAll(() => origin.close());

  const decode: Record<string, (b: Buffer) => Buffer> = {
    gzip: zlib.gunzipSync,
    br: zlib.brotliDecompressSync,
    zstd: (b) => zlib.zstdDecompressSync(b),
  };

  for (const coding of ['gzip', 'br', 'zstd']) {
    it(`compresses text for Accept-Encoding: ${coding}`, async () => {
      const proxy = new HttpProxy(
        { upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) },
        { compression: true },
      );
      const { port } = await proxy.listen(0, '127.0.0.1');
      const res = await request(`http://127.0.0.1:${port}/text`, {
        headers: { 'Accept-Encoding': coding },
      });
      const raw = Buffer.from(await res.body.arrayBuffer());
      await proxy.close();
      expect(res.headers['content-encoding']).toBe(coding);
      expect(res.headers.vary).toBe('Accept-Encoding');
      expect(res.headers.etag).toBe('W/"abc"');
      expect(raw.length).toBeLessThan(TEXT.length / 5);
      expect(decode[coding]?.(raw).toString()).toBe(TEXT);
    });
  }

  it('leaves alone small bodies, other types, and clients that accept no coding', async () => {
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) },
      { compression: { minBytes: 100 } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    for (const [path, accept] of [
      ['/small', 'gzip'],
      ['/image', 'gzip'],
      ['/text', 'identity'],
    ] as const) {
      const res = await request(`http://127.0.0.1:${port}${path}`, {
        headers: { 'Accept-Encoding': accept },
      });
      await res.body.dump();
      expect(res.headers['content-encoding'], path).toBeUndefined();
    }
    await proxy.close();
  });

  it('decompresses for a body filter that needs plain text, then sends plain bytes', async () => {
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }),
      responseFilter: (s) => {
        s.decompressResponse = true;
      },
      responseBodyFilter: (_s, chunk) =>
        chunk === undefined
          ? undefined
          : Buffer.from(Buffer.from(chunk).toString().replaceAll('fox', 'cat')),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    const res = await request(`http://127.0.0.1:${port}/gzipped`);
    const text = await res.body.text();
    await proxy.close();
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(text).toBe(TEXT.replaceAll('fox', 'cat'));
  });
});
