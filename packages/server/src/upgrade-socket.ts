import { rmSync } from 'node:fs';
import { connect, createServer, type Server as NetServer } from 'node:net';

// The upgrade protocol between two masters over the Unix socket `upgrade_sock`, one line each
// way: the new master sends "takeover" once its workers listen; the old one answers "ok",
// stops accepting and drains. A master that is not being upgraded uses the same socket to
// find out whether another master already runs.

const TAKEOVER = 'takeover\n';
const OK = 'ok\n';

/** What a connection attempt to `upgrade_sock` found. */
export type Probe = 'running' | 'absent';

/** Whether a master listens on `path` (a left-over socket file of a dead one is removed). */
export function probeMaster(path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve('running');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') rmSync(path, { force: true });
      resolve('absent');
    });
  });
}

/**
 * Asks the master listening on `path` to hand over. Resolves `true` once it has agreed (it
 * then stops accepting and drains), `false` when no master listens there.
 */
export function requestTakeover(path: string, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from the old master on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(TAKEOVER));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\n')) {
        clearTimeout(timer);
        socket.end();
        if (answer === OK) resolve(true);
        else reject(new Error(`unexpected answer from the old master: ${JSON.stringify(answer)}`));
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') {
        if (error.code === 'ECONNREFUSED') rmSync(path, { force: true });
        resolve(false);
      } else {
        reject(error);
      }
    });
  });
}

/**
 * Listens on `path` for a new master's takeover request; `onTakeover` runs once, after which
 * the socket is closed (freeing the path for the new master) and "ok" is answered.
 */
export function listenForTakeover(path: string, onTakeover: () => void): Promise<NetServer> {
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let line = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: string) => {
      line += chunk;
      if (line.length > 64) socket.destroy();
      if (line !== TAKEOVER) return;
      // Free the path first: the new master binds it as soon as it reads "ok".
      server.close();
      onTakeover();
      socket.end(OK);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
