// A real origin for the cache tests (node:http on 127.0.0.1) and a small driver that plays the
// proxy's part: lookup, go upstream with undici on a miss or revalidation, store while reading.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, RequestHeader, ResponseHeader } from '@pingora-ts/http-parser';
import { request } from 'undici';
import type { HttpCache } from '../src/index.js';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface Origin {
  port: number;
  /** Requests that reached the origin, per path. */
  hits: Map<string, number>;
  /** The conditional fields of the last request per path. */
  lastConditional: Map<string, string | undefined>;
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const lastConditional = new Map<string, string | undefined>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    lastConditional.set(
      path,
      (req.headers['if-none-match'] as string) ?? (req.headers['if-modified-since'] as string),
    );
    const handler = routes.get(path);
    if (handler === undefined) {
      res.statusCode = 404;
      res.end('no route');
      return;
    }
    handler(req, res);
  });
  server.keepAliveTimeout = 1_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    lastConditional,
    route: (path, handler) => routes.set(path, handler),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface Served {
  status: number;
  headers: HeaderMap;
  body: string;
  /** Where it came from: the cache or the origin. */
  from: 'cache' | 'origin';
}

/** One request through the cache, as the proxy drives it. */
export async function through(
  cache: HttpCache,
  origin: Origin,
  path: string,
  init: { method?: string; headers?: Record<string, string>; isOriginDown?: boolean } = {},
): Promise<Served> {
  const method = init.method ?? 'GET';
  const fields = new HeaderMap([['Host', 'origin.test'], ...Object.entries(init.headers ?? {})]);
  const req = new RequestHeader(method, path, 'HTTP/1.1', fields);
  const c = cache.begin(req, { scheme: 'http' });
  let isBackground = false;
  try {
    const found = await c.lookup();
    if (found.kind === 'stale-while-revalidate') {
      // Serve the stale copy now; the same CacheRequest refreshes it in the background.
      isBackground = true;
      refreshes.push(
        upstream(c, origin, path, method, init, Object.fromEntries(found.conditional)).finally(() =>
          c.finish(),
        ),
      );
      const r = found.response;
      return {
        status: r.head.status,
        headers: r.head.headers,
        body: r.body.toString(),
        from: 'cache',
      };
    }
    if (found.kind === 'hit') {
      const r = found.response;
      return {
        status: r.head.status,
        headers: r.head.headers,
        body: r.body.toString(),
        from: 'cache',
      };
    }
    if (found.kind === 'only-if-cached') {
      return {
        status: 504,
        headers: new HeaderMap([['Cache-Status', c.status]]),
        body: '',
        from: 'cache',
      };
    }
    const extra = found.kind === 'revalidate' ? Object.fromEntries(found.conditional) : {};
    return await upstream(c, origin, path, method, init, extra);
  } finally {
    if (!isBackground) c.finish();
  }
}

/** Background refreshes started by stale-while-revalidate answers (tests await them). */
export const refreshes: Promise<unknown>[] = [];

async function upstream(
  c: ReturnType<HttpCache['begin']>,
  origin: Origin,
  path: string,
  method: string,
  init: { headers?: Record<string, string>; isOriginDown?: boolean },
  extra: Record<string, string>,
): Promise<Served> {
  {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      if (init.isOriginDown === true) throw new Error('origin down');
      res = await request(`http://127.0.0.1:${origin.port}${path}`, {
        method: method as 'GET',
        headers: { ...init.headers, ...extra },
      });
    } catch (error) {
      const stale = c.onUpstreamError();
      if (stale !== undefined)
        return {
          status: stale.head.status,
          headers: stale.head.headers,
          body: stale.body.toString(),
          from: 'cache',
        };
      throw error;
    }
    const pairs: [string, string][] = [];
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of [value].flat()) if (v !== undefined) pairs.push([name, v]);
    }
    const head = new ResponseHeader(res.statusCode, '', 'HTTP/1.1', new HeaderMap(pairs));
    if (res.statusCode >= 500) {
      const stale = c.onUpstreamError();
      if (stale !== undefined) {
        await res.body.dump();
        return {
          status: stale.head.status,
          headers: stale.head.headers,
          body: stale.body.toString(),
          from: 'cache',
        };
      }
    }
    const decision = c.onUpstreamResponse(head);
    if (decision.kind === 'revalidated') {
      await res.body.dump();
      const r = decision.response;
      return {
        status: r.head.status,
        headers: r.head.headers,
        body: r.body.toString(),
        from: 'cache',
      };
    }
    const parts: Buffer[] = [];
    for await (const chunk of res.body) {
      parts.push(chunk as Buffer);
      if (decision.kind === 'store') decision.writer.write(chunk as Buffer);
    }
    if (decision.kind === 'store') await decision.writer.finish();
    return {
      status: head.status,
      headers: decision.head.headers,
      body: Buffer.concat(parts).toString(),
      from: 'origin',
    };
  }
}
