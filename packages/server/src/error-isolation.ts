import type { Server } from './server.js';

/**
 * Keeps one connection's failure from taking the process down: an exception thrown (or a
 * promise rejected) while a connection's handling runs, in any of its callbacks, is logged and
 * destroys that connection only. Installs process-wide handlers; returns their remover.
 */
export function isolateConnectionErrors(server: Server, log: (line: string) => void): () => void {
  const onError = (error: unknown): void => {
    const conn = server.currentConnection();
    const where = conn === undefined ? 'outside any connection' : `on ${conn.listener.address}`;
    log(
      `uncaught error ${where}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    conn?.socket.destroy();
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
