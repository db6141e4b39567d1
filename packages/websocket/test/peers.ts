// Real peers for the tests: a `ws` server, our server on @pingora-ts/http-server, and raw
// sockets for bytes no library would send. Everything listens on 127.0.0.1 only.
import { once } from 'node:events';
import net from 'node:net';
import { HttpServer } from '@pingora-ts/http-server';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { type AcceptOptions, acceptWebSocket, type WebSocket } from '../src/index.js';

/** A `ws` server; `onConnection` gets each socket. */
export async function startWsServer(
  options: ConstructorParameters<typeof WebSocketServer>[0],
  onConnection: (socket: WsSocket) => void,
): Promise<{ port: number; server: WebSocketServer; close: () => Promise<void> }> {
  const server = new WebSocketServer({ ...options, host: '127.0.0.1', port: 0 });
  server.on('connection', onConnection);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    server,
    close: async () => {
      for (const c of server.clients) c.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Our server: every upgrade request is accepted and handed to `onSocket`. */
export async function startOurServer(
  options: AcceptOptions,
  onSocket: (ws: WebSocket) => void | Promise<void>,
): Promise<{ port: number; sockets: WebSocket[]; close: () => Promise<void> }> {
  const sockets: WebSocket[] = [];
  const server = new HttpServer({
    handler: async (session) => {
      const ws = await acceptWebSocket(session, options);
      sockets.push(ws);
      await onSocket(ws);
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    port,
    sockets,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await Promise.all(sockets.map((ws) => ws.closed));
      await server.close();
    },
  };
}

/** Echoes every message back, as it came. */
export async function echo(ws: WebSocket): Promise<void> {
  for await (const m of ws) {
    try {
      await ws.send(m.data, { binary: m.isBinary });
    } catch {
      return;
    }
  }
}

/** A raw TCP connection that did the opening handshake by hand; `data` collects what comes back. */
export async function rawUpgrade(
  port: number,
  extraHeaders = '',
): Promise<{ socket: net.Socket; response: string; received: () => Buffer; ended: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`,
  );
  let buffered = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buffered = Buffer.concat([buffered, d]);
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  for (let i = 0; i < 200 && buffered.indexOf('\r\n\r\n') < 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const end = buffered.indexOf('\r\n\r\n') + 4;
  const response = buffered.subarray(0, end).toString('latin1');
  const headLength = end;
  return { socket, response, received: () => buffered.subarray(headLength), ended };
}
