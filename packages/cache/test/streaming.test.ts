import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCache } from '../src/index.js';

const CHUNK = 256 * 1024;
const CHUNKS = 16; // a 4 MiB object
let server: http.Server;
let port = 0;
/** Resolves the origin's wait between its first chunks and the rest. */
let releaseRest: () => void = () => {};
/** Chunks the origin sends before it waits for `releaseRest`, per gated path. */
const GATED: Record<string, number> = { '/large': 1, '/gated-big': 2 };

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    res.setHeader('Cache-Control', 'max-age=60');
    res.setHeader('Content-Type', 'application/octet-stream');
    const chunk = (i: number) => Buffer.alloc(CHUNK, i);
    const before = GATED[req.url ?? ''];
    if (before !== undefined) {
      const rest = new Promise<void>((resolve) => {
        releaseRest = resolve;
      });
      for (let i = 0; i < before; i++) res.write(chunk(i));
      await rest;
      for (let i = before; i < CHUNKS; i++) res.write(chunk(i));
    } else {
      for (let i = 0; i < CHUNKS; i++) res.write(chunk(i));
    }
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const get = (path: string) =>
  new RequestHeader('GET', path, 'HTTP/1.1', new HeaderMap([['Host', 'stream.test']]));

/** Fetches `path` from the origin and streams it through the cache's writer to a "client". */
async function missThrough(
  cache: HttpCache,
  path: string,
  onChunk?: (received: number) => Promise<void>,
) {
  const c = cache.begin(get(path), { scheme: 'http' });
  try {
    expect((await c.lookup()).kind).toBe('miss');
    const res = await request(`http://127.0.0.1:${port}${path}`);
    const pairs: [string, string][] = [];
    for (const [name, value] of Object.entries(res.headers))
      for (const v of [value].flat()) if (v !== undefined) pairs.push([name, v]);
    const decision = c.onUpstreamResponse(
      new ResponseHeader(res.statusCode, 'OK', 'HTTP/1.1', new HeaderMap(pairs)),
    );
    expect(decision.kind).toBe('store');
    const client: Buffer[] = [];
    let received = 0;
    for await (const chunk of res.body) {
      client.push(chunk as Buffer);
      received += (chunk as Buffer).length;
      if (decision.kind === 'store') decision.writer.write(chunk as Buffer);
      await onChunk?.(received);
    }
    if (decision.kind === 'store') await decision.writer.finish();
    return Buffer.concat(client);
  } finally {
    c.finish();
  }
}

describe('storing while streaming', () => {
  it('a large object reaches the first client while it is being stored, then is a hit', async () => {
    const cache = new HttpCache({ lockTimeoutMs: 0 });
    let storedDuringStream = -1;
    const body = await missThrough(cache, '/large', async (received) => {
      if (storedDuringStream >= 0) return;
      // The client holds the first chunk; the origin has not sent the rest; nothing is stored.
      const probe = cache.begin(
        new RequestHeader(
          'GET',
          '/large',
          'HTTP/1.1',
          new HeaderMap([
            ['Host', 'stream.test'],
            ['Cache-Control', 'only-if-cached'],
          ]),
        ),
        { scheme: 'http' },
      );
      expect((await probe.lookup()).kind).toBe('only-if-cached');
      probe.finish();
      storedDuringStream = cache.storage.usedBytes;
      expect(received).toBeLessThanOrEqual(CHUNK); // the origin has sent one chunk so far
      releaseRest();
    });
    expect(storedDuringStream).toBe(0);
    expect(body.length).toBe(CHUNK * CHUNKS);
    const c = cache.begin(get('/large'), { scheme: 'http' });
    const hit = await c.lookup();
    c.finish();
    if (hit.kind !== 'hit') throw new Error(hit.kind);
    expect(hit.response.body.equals(body)).toBe(true);
    expect(hit.response.head.headers.get('content-length')).toBe(String(CHUNK * CHUNKS));
  });

  it('an object over maxObjectBytes streams whole to the client and is not stored', async () => {
    const cache = new HttpCache({ memory: { maxObjectBytes: CHUNK }, lockTimeoutMs: 0 });
    const body = await missThrough(cache, '/whole');
    expect(body.length).toBe(CHUNK * CHUNKS);
    expect(cache.storage.usedBytes).toBe(0);
    const c = cache.begin(get('/whole'), { scheme: 'http' });
    expect((await c.lookup()).kind).toBe('miss');
    c.finish();
  });

  it('past maxObjectBytes the writer stops buffering and frees the lock while the stream goes on', async () => {
    const cache = new HttpCache({ memory: { maxObjectBytes: CHUNK } });
    let isChecked = false;
    const body = await missThrough(cache, '/gated-big', async (received) => {
      if (isChecked || received <= CHUNK) return;
      isChecked = true;
      // Over the limit with the origin still holding back the rest: the lock is free, so a
      // concurrent request goes upstream at once instead of waiting for a body never stored.
      expect(cache.lock.size).toBe(0);
      const other = cache.begin(get('/gated-big'), { scheme: 'http' });
      expect((await other.lookup()).kind).toBe('miss');
      other.finish();
      expect(cache.lock.waits).toBe(0);
      releaseRest();
    });
    expect(isChecked).toBe(true);
    expect(body.length).toBe(CHUNK * CHUNKS);
    expect(cache.storage.usedBytes).toBe(0);
  });
});
