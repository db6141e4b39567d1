import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** Set in the environment of the detached child of a daemon start. */
export const DAEMON_CHILD_ENV = 'PINGORA_TS_DAEMON_CHILD';

/** True in the detached child of a daemon start. */
export function isDaemonChild(): boolean {
  return process.env[DAEMON_CHILD_ENV] === '1';
}

/**
 * Starts `script args` again, detached in its own session with its output appended to
 * `logFile` (or discarded), and resolves once the child reports that it is ready: its pid.
 * Rejects when the child exits first (its log says why).
 */
export function detach(
  script: string,
  args: readonly string[],
  logFile: string | undefined,
): Promise<number> {
  const out = openSync(logFile ?? '/dev/null', 'a');
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  closeSync(out);
  return new Promise((resolve, reject) => {
    child.once('message', () => {
      child.removeAllListeners('exit');
      child.disconnect();
      child.unref();
      resolve(child.pid ?? 0);
    });
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `daemon exited before it was ready (${signal ?? `code ${code}`})${logFile ? `; see ${logFile}` : ''}`,
        ),
      );
    });
  });
}

/** In the detached child: tells the waiting parent that the server is up, and lets it go. */
export function reportDaemonReady(): void {
  if (typeof process.send === 'function') {
    process.send({ type: 'daemon-ready' }, () => process.disconnect());
  }
}
