// A custom error page: when the upstream cannot be reached or answers too slowly, the client
// gets an HTML page naming the problem (and a Retry-After) instead of an empty 502/504.
// Run: node examples/error-page.ts 127.0.0.1:8081
import { HttpProxy } from '@pingora-ts/proxy';

export async function start(upstream: string, port = 8080) {
  const [host = '127.0.0.1', upstreamPort = '80'] = upstream.split(':');
  const proxy = new HttpProxy({
    upstreamPeer: () => ({ host, port: Number(upstreamPort), readTimeoutMs: 2_000 }),
    failToProxy: async (session, error) => {
      const status = error.downstreamStatus() ?? 502;
      const what = status === 504 ? 'took too long to answer' : 'could not be reached';
      const page = `<!doctype html><title>${status}</title><h1>Sorry</h1><p>The service ${what}.</p>`;
      await session.respond(status, page, {
        'Content-Type': 'text/html; charset=utf-8',
        'Retry-After': '10',
        'Cache-Control': 'no-store',
      });
    },
  });
  const address = await proxy.listen(port, '127.0.0.1');
  return { port: address.port, close: () => proxy.close() };
}

if (import.meta.main) {
  const { port } = await start(process.argv[2] ?? '127.0.0.1:8081');
  console.log(`proxy with a custom error page on http://127.0.0.1:${port}`);
}
