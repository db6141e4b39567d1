// A response-body rewrite: HTML pages get a banner inserted after <body>, however the upstream
// cuts its chunks (the filter holds the page until the end), other types stream untouched.
// Run: node examples/body-rewrite.ts 127.0.0.1:8081
import { HttpProxy } from '@pingora-ts/proxy';

interface Ctx {
  isHtml: boolean;
  parts: Uint8Array[];
}

export async function start(upstream: string, port = 8080) {
  const [host = '127.0.0.1', upstreamPort = '80'] = upstream.split(':');
  const proxy = new HttpProxy<Ctx>({
    newCtx: () => ({ isHtml: false, parts: [] }),
    upstreamPeer: () => ({ host, port: Number(upstreamPort) }),
    responseFilter: (session, response, ctx) => {
      ctx.isHtml = response.headers.get('content-type')?.startsWith('text/html') === true;
      if (!ctx.isHtml) return;
      response.headers.remove('content-length'); // the length changes: send it chunked
      session.decompressResponse = true; // rewrite plain text even if the upstream compressed
    },
    responseBodyFilter: (_session, chunk, isEnd, ctx) => {
      if (!ctx.isHtml) return undefined;
      if (chunk !== undefined) ctx.parts.push(chunk);
      if (!isEnd) return null; // hold until the page is whole
      const page = Buffer.concat(ctx.parts).toString('utf8');
      return Buffer.from(
        page.replace(/<body([^>]*)>/i, '<body$1><p class="banner">served by Pingora-TS</p>'),
      );
    },
  });
  const address = await proxy.listen(port, '127.0.0.1');
  return { port: address.port, close: () => proxy.close() };
}

if (import.meta.main) {
  const { port } = await start(process.argv[2] ?? '127.0.0.1:8081');
  console.log(`rewriting proxy on http://127.0.0.1:${port}`);
}
