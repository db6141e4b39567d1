import { once } from 'node:events';
import net from 'node:net';

/**
 * A real TCP server on 127.0.0.1 that the test controls: it keeps every accepted socket so a
 * test can close, reset or write to the server side of one particular client connection.
 * Server sides echo what they receive, so a test can check a reused connection still works.
 */
export class LoopbackServer {
  private readonly server: net.Server;
  private readonly accepted = new Map<number, net.Socket>();
  private readonly clients = new Set<net.Socket>();
  private waiting = new Map<number, (socket: net.Socket) => void>();

  private constructor(server: net.Server) {
    this.server = server;
    server.on('connection', (socket) => {
      const port = socket.remotePort!;
      this.accepted.set(port, socket);
      socket.on('error', () => {});
      socket.on('data', (bytes) => socket.write(bytes));
      this.waiting.get(port)?.(socket);
      this.waiting.delete(port);
    });
  }

  static async start(): Promise<LoopbackServer> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new LoopbackServer(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** A connected client socket. */
  async connect(): Promise<net.Socket> {
    const socket = net.connect(this.port, '127.0.0.1');
    this.clients.add(socket);
    await once(socket, 'connect');
    await this.peerOf(socket);
    return socket;
  }

  /** The server side of `client`'s connection. */
  peerOf(client: net.Socket): Promise<net.Socket> {
    const port = client.localPort!;
    const known = this.accepted.get(port);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => this.waiting.set(port, resolve));
  }

  /** Destroys every socket on both sides and closes the server. */
  async close(): Promise<void> {
    for (const socket of this.clients) socket.destroy();
    for (const socket of this.accepted.values()) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves once `socket` has emitted 'close' (at once if it already has). */
export function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  // Not events.once: that rejects on 'error', and an idle socket's error is the pool's to handle.
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
