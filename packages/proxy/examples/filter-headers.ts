// A filter that rejects requests without an API key, adds headers on the way up and down, and
// strips what the client should not see.
// Run: node examples/filter-headers.ts 127.0.0.1:8081
import { Filter, HttpProxy } from '@pingora-ts/proxy';

export async function start(upstream: string, port = 8080) {
  const [host = '127.0.0.1', upstreamPort = '80'] = upstream.split(':');
  const proxy = new HttpProxy<{ startedAt: number }>({
    newCtx: () => ({ startedAt: Date.now() }),
    requestFilter: (session) => {
      if (session.request.headers.get('x-api-key') !== 'let-me-in')
        return Filter.reject(401, 'API key required');
      if (session.request.method === 'TRACE') return Filter.reject(405);
      return undefined;
    },
    upstreamPeer: () => ({ host, port: Number(upstreamPort) }),
    upstreamRequestFilter: (session, upstreamRequest) => {
      upstreamRequest.headers.remove('x-api-key');
      upstreamRequest.headers.set('X-Client-Address', session.clientAddress ?? 'unknown');
    },
    responseFilter: (_session, response, ctx) => {
      response.headers.remove('server');
      response.headers.set('X-Proxy-Time-Ms', String(Date.now() - ctx.startedAt));
    },
  });
  const address = await proxy.listen(port, '127.0.0.1');
  return { port: address.port, close: () => proxy.close() };
}

if (import.meta.main) {
  const { port } = await start(process.argv[2] ?? '127.0.0.1:8081');
  console.log(`filtering proxy on http://127.0.0.1:${port}`);
}
