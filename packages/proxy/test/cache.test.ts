import { HttpCache } from '@pingora-ts/cache';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy, type ProxyHttp } from '../src/index.js';
import { closedPort, type Origin, startOrigin } from './origin.js';

let origin: Origin;
const hits = new Map<string, number>();
let release: (() => void) | undefined;
beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path.startsWith('/big')) {
      // 4 MiB, the second half only once the test has seen the first bytes at the client.
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Content-Length', String(4 * 1024 * 1024));
      res.write(Buffer.alloc(2 * 1024 * 1024, 97));
      new Promise<void>((r) => {
        release = r;
      }).then(() => res.end(Buffer.alloc(2 * 1024 * 1024, 98)));
      return;
    }
    if (path.startsWith('/etag')) {
      res.setHeader('Cache-Control', 'max-age=0');
      res.setHeader('ETag', '"e1"');
      if (req.headers['if-none-match'] === '"e1"') {
        res.statusCode = 304;
        res.end();
        return;
      }
    } else if (path.startsWith('/sie')) {
      res.setHeader('Cache-Control', 'max-age=0, stale-if-error=600');
    } else {
      res.setHeader('Cache-Control', 'max-age=60');
    }
    const answer = () => res.end(`origin ${path} #${hits.get(path)}`);
    if (path.startsWith('/slow')) setTimeout(answer, 50);
    else answer();
  });
});
afterAll(() => origin.close());

interface Ctx {
  phases: string[];
}

function cachedProxy(
  cache: HttpCache,
  extra: Partial<ProxyHttp<Ctx>> = {},
  port = () => origin.port,
): HttpProxy<Ctx> {
  return new HttpProxy<Ctx>(
    {
      newCtx: () => ({ phases: [] }),
      requestFilter: (_s, c) => void c.phases.push('requestFilter'),
      requestCacheFilter: (s, c) => {
        c.phases.push('requestCacheFilter');
        s.cache.isEnabled = true;
      },
      cacheKeyCallback: (_s, c) => {
        c.phases.push('cacheKeyCallback');
        return '';
      },
      cacheHitFilter: (_s, c) => void c.phases.push('cacheHitFilter'),
      proxyUpstreamFilter: (_s, c) => void c.phases.push('proxyUpstreamFilter'),
      upstreamPeer: (_s, c) => {
        c.phases.push('upstreamPeer');
        return { host: '127.0.0.1', port: port() };
      },
      upstreamResponseFilter: (_s, _r, c) => void c.phases.push('upstreamResponseFilter'),
      responseCacheFilter: (_s, _r, c) => void c.phases.push('responseCacheFilter'),
      responseFilter: (_s, _r, c) => void c.phases.push('responseFilter'),
      ...extra,
    },
    { cache },
  );
}

const get = async (port: number, path: string, headers: Record<string, string> = {}) => {
  const res = await request(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
};

describe('the cache wired into the proxy phases', () => {
  it('phase order of a miss and of a hit; Cache-Status and Age on the hit', async () => {
    const log: string[][] = [];
    const proxy = cachedProxy(new HttpCache(), { logging: (_s, _e, c) => void log.push(c.phases) });
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const miss = await get(port, '/phase');
      expect(miss.headers['cache-status']).toBe('pingora-ts; fwd=uri-miss; stored');
      const hit = await get(port, '/phase');
      expect(hit.body).toBe(miss.body);
      // A slow machine may take a second or two between the two requests.
      const ttl = Number(
        /^pingora-ts; hit; ttl=(\d+)$/.exec(String(hit.headers['cache-status']))?.[1],
      );
      const age = Number(hit.headers.age);
      expect(ttl).toBeGreaterThanOrEqual(50);
      expect(ttl + age).toBeGreaterThanOrEqual(59);
      expect(ttl + age).toBeLessThanOrEqual(60);
      expect(log[0]).toEqual([
        'requestFilter',
        'requestCacheFilter',
        'cacheKeyCallback',
        'proxyUpstreamFilter',
        'upstreamPeer',
        'upstreamResponseFilter',
        'responseCacheFilter',
        'responseFilter',
      ]);
      expect(log[1]).toEqual([
        'requestFilter',
        'requestCacheFilter',
        'cacheKeyCallback',
        'cacheHitFilter',
        'responseFilter',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('100 concurrent misses through the proxy make one origin request', async () => {
    const proxy = cachedProxy(new HttpCache());
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const all = await Promise.all(Array.from({ length: 100 }, () => get(port, '/slow-lock')));
      expect(hits.get('/slow-lock')).toBe(1);
      expect(all.every((r) => r.status === 200 && r.body === 'origin /slow-lock #1')).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a large object streams to the first client while it is being stored', async () => {
    const proxy = cachedProxy(new HttpCache());
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const res = await request(`http://127.0.0.1:${port}/big`);
      let received = 0;
      for await (const chunk of res.body) {
        received += (chunk as Buffer).length;
        // The origin holds back its second half until the client has seen the first.
        if (received >= 1024 * 1024) release?.();
      }
      expect(received).toBe(4 * 1024 * 1024);
      const hit = await request(`http://127.0.0.1:${port}/big`);
      const body = Buffer.from(await hit.body.arrayBuffer());
      expect(hit.headers['cache-status']).toMatch(/hit/);
      expect(body.length).toBe(4 * 1024 * 1024);
      expect(body[0]).toBe(97);
      expect(body[body.length - 1]).toBe(98);
      expect(hits.get('/big')).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('revalidation: a 304 from the origin serves the stored body', async () => {
    const proxy = cachedProxy(new HttpCache());
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const first = await get(port, '/etag');
      const second = await get(port, '/etag');
      expect(second.status).toBe(200);
      expect(second.body).toBe(first.body);
      expect(second.headers['cache-status']).toBe('pingora-ts; fwd=stale; fwd-status=304');
      expect(hits.get('/etag')).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('stale-if-error: the origin goes down, the stale copy is served', async () => {
    const dead = await closedPort();
    let isDown = false;
    const proxy = cachedProxy(new HttpCache(), {}, () => (isDown ? dead : origin.port));
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const first = await get(port, '/sie');
      isDown = true;
      const stale = await get(port, '/sie');
      expect(stale.status).toBe(200);
      expect(stale.body).toBe(first.body);
      expect(stale.headers['cache-status']).toMatch(/detail=stale-if-error/);
    } finally {
      await proxy.close();
    }
  });

  it('without requestCacheFilter enabling it, nothing is cached', async () => {
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) },
      { cache: new HttpCache() },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      await get(port, '/off');
      const again = await get(port, '/off');
      expect(again.body).toBe('origin /off #2');
      expect(again.headers['cache-status']).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
