// One echo server process for the benchmark: `ours` (@pingora-ts/websocket on
// @pingora-ts/http-server) or `ws`, each listening on 127.0.0.1 without and with
// permessage-deflate (default settings on both: ours level 1, one-shot on the event loop; ws
// zlib's default 6 through a zlib stream on the thread pool), and ours once more with ws's
// settings (level 6, `zlib-stream`; ws's port is the same server). Prints its ports as one
// JSON line.
import type { AddressInfo } from 'node:net';
import { HttpServer } from '@pingora-ts/http-server';
import { acceptWebSocket } from '@pingora-ts/websocket';
import { WebSocketServer } from 'ws';

const which = process.argv[2];

async function ours(deflate: boolean, level?: number): Promise<number> {
  // The same settings as ws: level 6, one zlib stream per connection with context takeover.
  const perMessageDeflate =
    deflate && level !== undefined ? { level, compressor: 'zlib-stream' as const } : deflate;
  const server = new HttpServer({
    handler: async (session) => {
      const ws = await acceptWebSocket(session, { perMessageDeflate });
      for await (const m of ws) await ws.send(m.data, { binary: m.isBinary });
    },
  });
  return (await server.listen(0, '127.0.0.1')).port;
}

async function wsServer(deflate: boolean): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

const start = which === 'ours' ? ours : wsServer;
const plain = await start(false);
const deflate = await start(true);
const deflate6 = which === 'ours' ? await ours(true, 6) : deflate;
process.stdout.write(`${JSON.stringify({ plain, deflate, deflate6 })}\n`);
