import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CachedObject, HttpCache, MemoryStorage, objectWeight } from '../src/index.js';

const object = (size: number): CachedObject => ({
  meta: {
    status: 200,
    reason: 'OK',
    headers: new HeaderMap([['Content-Type', 'x']]),
    requestTime: 0,
    responseTime: 0,
    vary: [],
  },
  body: Buffer.alloc(size),
});

describe('MemoryStorage', () => {
  for (const eviction of ['tinyufo', 'lru'] as const) {
    it(`${eviction}: the bytes held never exceed maxBytes under random sizes, and match what is stored`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20_000 })), {
            maxLength: 300,
          }),
          async (ops) => {
            const maxBytes = 64 * 1024;
            const storage = new MemoryStorage({ maxBytes, maxObjectBytes: 16 * 1024, eviction });
            const model = new Map<string, number>();
            for (const [k, size] of ops) {
              const key = `k${k}`;
              const o = object(size);
              if (await storage.put(key, o)) model.set(key, objectWeight(o));
              else model.delete(key);
              expect(storage.usedBytes).toBeLessThanOrEqual(maxBytes);
            }
            // Whatever survived eviction adds up to the bytes accounted.
            let sum = 0;
            for (const key of model.keys()) {
              const found = await storage.lookup(key);
              if (found !== undefined) sum += objectWeight(found);
            }
            expect(sum).toBe(storage.usedBytes);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('refuses objects over maxObjectBytes', async () => {
    const storage = new MemoryStorage({ maxObjectBytes: 100 });
    expect(await storage.put('big', object(101))).toBe(false);
    expect(await storage.lookup('big')).toBeUndefined();
    expect(storage.usedBytes).toBe(0);
  });

  it("the cache's Vary and purge index stays bounded when the storage evicts", async () => {
    const cache = new HttpCache({ memory: { maxBytes: 64 * 1024 } });
    for (let i = 0; i < 10_000; i++) {
      const c = cache.begin(
        new RequestHeader('GET', `/n/${i}`, 'HTTP/1.1', new HeaderMap([['Host', 'index.test']])),
        { scheme: 'http' },
      );
      await c.lookup();
      const d = c.onUpstreamResponse(
        new ResponseHeader(200, 'OK', 'HTTP/1.1', new HeaderMap([['Cache-Control', 'max-age=60']])),
      );
      if (d.kind !== 'store') throw new Error(d.kind);
      d.writer.write(Buffer.alloc(512));
      await d.writer.finish();
      c.finish();
    }
    // 64 KiB holds under 100 such objects; the index may lag until the next prune.
    expect(cache.stats.stored).toBeGreaterThan(1_000);
    expect(cache.indexSize).toBeLessThanOrEqual(2_048);
  });
});
