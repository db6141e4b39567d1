// Small HTTP servers on 127.0.0.1 that answer every request with their own "host:port" name, so
// the body of a proxied response tells which upstream nginx chose.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NameServers {
  /** "127.0.0.1:<port>" of each server, in start order. */
  addrs: string[];
  close(): Promise<void>;
}

export async function startNameServers(count: number): Promise<NameServers> {
  const servers: Server[] = [];
  const addrs: string[] = [];
  const close = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const name = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const body = Buffer.from(name);
      server.on('request', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      });
      addrs.push(name);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { addrs, close };
}
