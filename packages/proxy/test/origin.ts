// Real peers for the proxy tests: node:http origins on 127.0.0.1 and a closed port.
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface Origin {
  port: number;
  /** Requests seen, in order: method, url and headers. */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** Connections accepted. */
  connections: number;
  server: http.Server;
  close(): Promise<void>;
}

/** A node:http origin; `handler` answers (default: 200 naming the path). Bodies are read whole. */
export async function startOrigin(
  handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): Promise<Origin> {
  const seen: Origin['seen'] = [];
  const server = http.createServer(async (req, res) => {
    const parts: Buffer[] = [];
    try {
      for await (const part of req) parts.push(part as Buffer);
    } catch {
      return; // the proxy gave up on this request mid-body
    }
    const body = Buffer.concat(parts).toString();
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (handler) handler(req, res, body);
    else res.end(`origin ${req.method} ${req.url}`);
  });
  server.keepAliveTimeout = 30_000;
  const origin: Origin = {
    port: 0,
    seen,
    connections: 0,
    server,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('connection', () => origin.connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin.port = (server.address() as AddressInfo).port;
  return origin;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

/** Sends raw bytes and collects everything until the peer closes (or `ms` pass). */
export async function rawExchange(
  port: number,
  data: string | Buffer,
  ms = 2_000,
): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  const parts: Buffer[] = [];
  socket.on('data', (d: Buffer) => parts.push(d));
  socket.on('error', () => {});
  socket.write(data);
  const timer = setTimeout(() => socket.destroy(), ms);
  await once(socket, 'close');
  clearTimeout(timer);
  return Buffer.concat(parts).toString('latin1');
}
