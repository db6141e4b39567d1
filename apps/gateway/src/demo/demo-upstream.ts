import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { acceptWebSocketEcho } from './websocket-echo.js';

/** One embedded demo upstream, started in the gateway's process by `serve` without a config. */
export interface DemoUpstream {
  readonly name: string;
  readonly address: string;
  close(): Promise<void>;
}

/** Seconds between two events of the SSE clock. */
const CLOCK_INTERVAL_MS = 1000;

/**
 * Starts a small origin on `127.0.0.1` (an ephemeral port unless told): a page at `/`, JSON
 * echoes of any request, `/static/*` assets with `Cache-Control`, `/api/*` answers that show
 * the claims the gateway forwarded, an SSE clock at `/events`, a WebSocket echo at `/ws` and
 * `/healthz` for the health checks.
 */
export async function startDemoUpstream(name: string, port = 0): Promise<DemoUpstream> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.setHeader('X-Demo-Upstream', name);
    if (path === '/healthz') return text(res, 200, 'ok\n');
    if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      const tick = () =>
        res.write(
          `event: tick\ndata: ${JSON.stringify({ time: new Date().toISOString(), upstream: name })}\n\n`,
        );
      tick();
      const timer = setInterval(tick, CLOCK_INTERVAL_MS);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return;
    }
    if (path.startsWith('/static/')) {
      res.setHeader('Cache-Control', 'public, max-age=60');
      if (path.endsWith('.css'))
        return text(res, 200, 'body { font-family: sans-serif; }\n', 'text/css');
      return text(res, 200, `static asset ${path} from ${name}\n`);
    }
    if (path.startsWith('/api/')) {
      return json(res, {
        upstream: name,
        path: req.url,
        user: req.headers['x-user'] ?? null,
        method: req.method,
      });
    }
    if (path === '/') {
      return text(res, 200, PAGE.replace('{name}', name), 'text/html; charset=utf-8');
    }
    return json(res, { upstream: name, method: req.method, path: req.url, headers: req.headers });
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/ws') acceptWebSocketEcho(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    name,
    address: `127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

function text(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  text(res, 200, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

const PAGE = `<!doctype html>
<title>Pingora-TS gateway demo</title>
<h1>Hello from {name}</h1>
<p>This page came through the Pingora-TS gateway. Reload: the two demo upstreams take turns (round robin).</p>
<ul>
<li><a href="/static/app.css">/static/app.css</a>: a cached asset</li>
<li><code>/api/hello</code>: needs the demo token printed at startup (rate limited)</li>
<li><a href="/events">/events</a>: a Server-Sent Events clock</li>
<li><code>/ws</code>: a WebSocket echo</li>
</ul>
`;
