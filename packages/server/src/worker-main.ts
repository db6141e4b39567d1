import type { Socket } from 'node:net';
import { loadApplication } from './app-loader.js';
import { isolateConnectionErrors } from './error-isolation.js';
import { createLog } from './log-line.js';
import { Server } from './server.js';
import { type FromWorker, isToWorker, WORKER_ENV, type WorkerSpec } from './worker-messages.js';

// The entry of a worker process, forked by the master (supervisor.ts) with its WorkerSpec in
// the environment. It runs one Server and follows the master's orders over IPC.

const spec = JSON.parse(process.env[WORKER_ENV] ?? 'null') as WorkerSpec | null;
if (spec === null || typeof process.send !== 'function') {
  process.stderr.write('worker-main is started by the pingora-ts master, not by hand\n');
  process.exit(2);
}
const { config } = spec;
const log = createLog(`worker ${spec.slot}.${spec.generation}`);
const send = (message: FromWorker): void => {
  if (process.connected) process.send?.(message);
};

const server = new Server({ reusePort: config.reusePort, drainIdleMs: config.drainIdleMs, log });
let isStopping = false;

function stop(graceMs: number, hookTimeoutMs: number): void {
  if (isStopping) return;
  isStopping = true;
  void server.shutdown({ graceMs, hookTimeoutMs }).then((result) => {
    if (result.destroyed > 0) log(`grace period over: ${result.destroyed} connection(s) cut`);
    process.exit(0);
  });
}

const graceMs = config.gracePeriodSeconds * 1000;
const hookMs = config.gracefulShutdownTimeoutSeconds * 1000;
// systemd's default KillMode=control-group sends SIGTERM to every process of the unit, and
// Ctrl-C sends SIGINT to the whole foreground group: a worker drains on its own then, exactly
// as when the master tells it to. SIGHUP belongs to the master (restart).
process.on('SIGTERM', () => stop(graceMs, hookMs));
process.on('SIGINT', () => stop(config.fastShutdownSeconds * 1000, hookMs));
process.on('SIGHUP', () => {});
// The master is gone (killed): finish what was accepted and leave.
process.on('disconnect', () => stop(graceMs, hookMs));

process.on('message', (message: unknown, handle: unknown) => {
  if (!isToWorker(message)) return;
  if (message.type === 'connection') {
    if (handle !== undefined) server.accept(message.key, handle as Socket);
  } else if (message.type === 'stop-accepting') {
    server.stopAccepting();
    send({ type: 'stopped-accepting' });
  } else {
    stop(message.graceMs, message.hookTimeoutMs);
  }
});

try {
  for (const service of config.services) {
    const app = await loadApplication(service);
    server.addService({ name: service.name, listeners: service.listeners, app });
  }
  await server.start(new Set(spec.passedIn));
  isolateConnectionErrors(server, log);
  send({ type: 'ready' });
} catch (error) {
  log(`start failed: ${String(error)}`);
  // Exit once the message is out; the master also sees the exit code before any 'ready'.
  if (process.connected)
    process.send?.({ type: 'fatal', message: String(error) }, () => process.exit(1));
  else process.exit(1);
}
