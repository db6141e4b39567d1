// The demo application the server's workers run: node:http on the accepted sockets (the
// project's own HTTP server package comes later), answering from the packages.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_KINDS, type ErrorKind, type ErrorSource, PingoraError } from '@pingora-ts/error';
import { Continuum } from '@pingora-ts/ketama';
import { TokenBucket } from '@pingora-ts/limits';
import { Lru } from '@pingora-ts/lru';

/** The connection handle `@pingora-ts/server` gives an application. */
interface ServerConnection {
  setBusy(isBusy: boolean): void;
  readonly isDraining: boolean;
  onDrain(callback: () => void): void;
}

const BACKENDS = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80', '10.0.0.5:80'];

const INDEX = `Pingora-TS demo (worker pid ${process.pid})

GET /errors                      every error kind: retry decision and downstream statuses
GET /errors/ConnectRefused?source=upstream   the status the proxy would answer with
GET /ring?key=user-42            which backend a consistent-hash ring (as nginx's) picks, and the retry order
GET /limited                     5 requests/s per client (burst 5), then 429 with Retry-After
GET /square/12                   an LRU-cached computation: hit or miss, and the cache's statistics
GET /pid                         the worker that answered (several workers share the port)
`;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Factory the server's CLI loads (`app:` in the YAML config). */
export default function createApp(): {
  handleConnection(socket: Socket, connection: ServerConnection): void;
  shutdown(): void;
} {
  const ring = new Continuum(BACKENDS.map((addr) => ({ addr, weight: 1 })));
  const buckets = new TokenBucket({ ratePerSecond: 5, burst: 5 });
  const squares = new Lru<number, number>({ maxCount: 100 });
  let isDraining = false;

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const path = url.pathname;
    if (path === '/') return send(res, 200, INDEX);
    if (path === '/pid') return send(res, 200, `${process.pid}\n`);
    if (path === '/errors') {
      return send(
        res,
        200,
        Object.fromEntries(
          ERROR_KINDS.filter((k) => k !== 'HTTPStatus').map((kind) => {
            const e = PingoraError.new(kind);
            const statusOf = (source: ErrorSource) =>
              PingoraError.new(kind, source).downstreamStatus() ?? null;
            return [
              kind,
              {
                retry: e.retry,
                upstream: statusOf('upstream'),
                downstream: statusOf('downstream'),
                internal: statusOf('internal'),
              },
            ];
          }),
        ),
      );
    }
    const kindMatch = /^\/errors\/([A-Za-z0-9]+)$/.exec(path);
    if (kindMatch) {
      const kind = kindMatch[1] as ErrorKind;
      const source = (url.searchParams.get('source') ?? 'upstream') as ErrorSource;
      if (
        !ERROR_KINDS.includes(kind) ||
        kind === 'HTTPStatus' ||
        !['upstream', 'downstream', 'internal'].includes(source)
      ) {
        return send(res, 400, { error: `unknown kind ${kind} or source ${source}` });
      }
      const e = PingoraError.explain(kind, `demo request ${path}`, { source });
      return send(res, 200, {
        kind,
        source,
        code: e.code,
        retry: e.retry,
        status: e.downstreamStatus() ?? null,
        text: e.toString(),
      });
    }
    if (path === '/ring') {
      const key = url.searchParams.get('key') ?? '';
      return send(res, 200, {
        key,
        backend: ring.nodeAddr(key),
        retryOrder: [...ring.nodeIter(key)].map((i) => ring.addr(i)),
      });
    }
    if (path === '/limited') {
      const client = req.socket.remoteAddress ?? 'unknown';
      const r = buckets.take(client);
      if (!r.allowed) {
        return send(
          res,
          429,
          { error: 'too many requests', retryAfterMs: r.retryAfterMs },
          {
            'retry-after': String(Math.ceil(r.retryAfterMs / 1000)),
          },
        );
      }
      return send(res, 200, { allowed: true, remaining: Math.floor(r.remaining) });
    }
    const square = /^\/square\/(\d{1,9})$/.exec(path);
    if (square) {
      const n = Number(square[1]);
      const cached = squares.get(n);
      const value = cached ?? n * n;
      if (cached === undefined) squares.set(n, value);
      return send(res, 200, {
        n,
        square: value,
        cache: cached === undefined ? 'miss' : 'hit',
        stats: squares.stats(),
      });
    }
    send(res, 404, { error: `no route for ${path}`, see: '/' });
  };

  const http = createServer((req, res) => {
    const connection = (req.socket as Socket & { pingoraConnection?: ServerConnection })
      .pingoraConnection;
    connection?.setBusy(true);
    res.once('close', () => connection?.setBusy(false));
    // While draining, each answer is its connection's last (RFC 9112 9.6).
    if (isDraining || connection?.isDraining) res.shouldKeepAlive = false;
    route(req, res);
  });
  http.keepAliveTimeout = 5_000;
  return {
    handleConnection(socket, connection) {
      (socket as Socket & { pingoraConnection?: ServerConnection }).pingoraConnection = connection;
      connection.onDrain(() => {
        isDraining = true;
      });
      http.emit('connection', socket);
    },
    shutdown() {
      http.close();
    },
  };
}
