import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server as NetServer, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PingoraError } from '@pingora-ts/error';
import type { ServerConfig } from './config.js';
import { loadConfig } from './config-loader.js';
import { BoundListener, isPerWorker, listenerKey } from './listener.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { RestartBackoff } from './restart-backoff.js';
import { listenForTakeover, probeMaster, requestTakeover } from './upgrade-socket.js';
import {
  isFromWorker,
  TICKET_KEYS_ENV,
  type ToWorker,
  WORKER_ENV,
  type WorkerSpec,
} from './worker-messages.js';

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  /** The validated configuration. */
  readonly config: ServerConfig;
  /** Take over from the master listening on `upgrade_sock` (`-u`). */
  readonly isUpgrade?: boolean;
  /** Where the master logs. */
  readonly log: (line: string) => void;
  /** How long a new generation of workers gets to become ready. Default 30 s. */
  readonly startTimeoutMs?: number;
}

type WorkerState = 'starting' | 'ready' | 'retiring';

interface Worker {
  readonly slot: number;
  readonly generation: number;
  readonly child: ChildProcess;
  readonly startedAt: number;
  state: WorkerState;
  readonly ready: Promise<void>;
  /** Resolves when the worker has closed its listeners (or exited). */
  readonly stoppedAccepting: Promise<void>;
}

// Connections accepted on a shared listener while no worker is ready wait at most this many.
const MAX_PENDING = 1024;
// After a takeover the old master keeps accepting on its Unix sockets for this long: the new
// master has already renamed its sockets over the paths, so only connections queued before the
// rename can still arrive, and they are accepted instead of reset.
const UNIX_SETTLE_MS = 100;
// How long retiring workers get to confirm that their listeners are closed.
const STOP_ACCEPTING_TIMEOUT_MS = 2000;

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/**
 * The master process: forks the workers, restarts crashed ones with backoff, accepts on the
 * listeners that workers cannot bind themselves (Unix sockets, and TCP where SO_REUSEPORT is
 * off) and passes each connection to a worker in turn, restarts the workers without downtime
 * on SIGHUP, hands over to a new master on `--upgrade`, and shuts down gracefully on SIGTERM
 * (SIGINT: faster).
 */
export class Supervisor {
  private config: ServerConfig;
  private readonly log: (line: string) => void;
  private readonly isUpgrade: boolean;
  private readonly startTimeoutMs: number;
  /** Shared by every worker of this master (see TICKET_KEYS_ENV). */
  private readonly ticketKeys: Buffer;
  private generation = 0;
  private current: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly backoffs = new Map<number, RestartBackoff>();
  private readonly shared = new Map<string, BoundListener>();
  private pending: Array<{ key: string; socket: Socket }> = [];
  private turn = 0;
  private state: 'starting' | 'running' | 'restarting' | 'stopping' = 'starting';
  private upgradeServer: NetServer | undefined;
  private stopped: Promise<number> | undefined;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private isHandedOver = false;

  constructor(options: SupervisorOptions) {
    this.config = options.config;
    this.log = options.log;
    this.isUpgrade = options.isUpgrade ?? false;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.ticketKeys = randomBytes(48);
  }

  /** Pids of the workers of the current generation. */
  workerPids(): number[] {
    return this.current.map((w) => w.child.pid ?? 0);
  }

  /**
   * Starts the first generation; with `isUpgrade`, then takes over from the old master. Writes
   * the pid file once everything listens.
   *
   * @throws PingoraError when another master runs (without `isUpgrade`), a listener cannot be
   * bound, or a worker fails to start.
   */
  async start(): Promise<void> {
    const { config } = this;
    if (!this.isUpgrade && (await probeMaster(config.upgradeSock)) === 'running') {
      throw PingoraError.explain(
        'BindError',
        `a server already runs with upgrade_sock ${config.upgradeSock}: stop it, or start with --upgrade to take over`,
      );
    }
    await this.openShared(config);
    this.generation = 1;
    try {
      this.current = await this.spawnGeneration(config);
      this.flushPending();
    } catch (error) {
      for (const l of this.shared.values()) l.close(true);
      throw error;
    }
    if (this.isUpgrade) {
      const isTaken = await requestTakeover(config.upgradeSock);
      this.log(isTaken ? 'took over from the old master' : 'no old master found; started fresh');
    }
    this.upgradeServer = await listenForTakeover(config.upgradeSock, () => this.handOver());
    writePidFile(config.pidFile);
    this.state = 'running';
    this.log(
      `ready: ${config.workers} worker(s) [${this.workerPids().join(', ')}], listeners ${config.services
        .flatMap((s) => s.listeners.map(listenerKey))
        .join(' ')}`,
    );
  }

  /** SIGHUP, SIGTERM and SIGINT handling for the master of a CLI run. */
  installSignals(onExit: (code: number) => void): void {
    process.on('SIGHUP', () => void this.restart());
    process.on('SIGTERM', () => void this.shutdown(false).then(onExit));
    process.on('SIGINT', () => void this.shutdown(true).then(onExit));
  }

  /**
   * Zero-downtime restart of the workers (SIGHUP): re-reads the configuration, starts a new
   * generation, and once all of it listens, lets the old generation stop accepting and drain.
   * An invalid configuration or a new generation that fails to start leaves the old running.
   */
  async restart(): Promise<boolean> {
    if (this.state !== 'running') {
      this.log(`restart ignored: ${this.state}`);
      return false;
    }
    this.state = 'restarting';
    let next = this.config;
    try {
      if (next.file !== undefined) next = loadConfig(next.file);
      await this.openShared(next);
    } catch (error) {
      this.log(`restart aborted, keeping the running workers: ${String(error)}`);
      this.state = 'running';
      return false;
    }
    const previous = this.current;
    this.generation++;
    let fresh: Worker[];
    try {
      fresh = await this.spawnGeneration(next);
    } catch (error) {
      this.generation--;
      this.log(`restart aborted, keeping the running workers: ${String(error)}`);
      this.state = 'running';
      return false;
    }
    // From here on new connections of shared listeners go to the new generation; the old one's
    // own listeners close only now that the new ones are listening beside them.
    this.current = fresh;
    this.config = next;
    this.flushPending();
    void this.retireAll(previous, next.gracePeriodSeconds * 1000);
    const keys = new Set(next.services.flatMap((s) => s.listeners.map(listenerKey)));
    for (const [key, l] of this.shared) {
      if (!keys.has(key) || isPerWorker(l.config, next.reusePort)) {
        l.close(true);
        this.shared.delete(key);
      }
    }
    this.state = 'running';
    this.log(`restarted: generation ${this.generation}, workers [${this.workerPids().join(', ')}]`);
    return true;
  }

  /**
   * Graceful shutdown: workers stop accepting and drain within the grace period (SIGINT: the
   * fast one), then exit; the master removes its pid file and resolves the exit code, 0.
   */
  shutdown(isFast: boolean): Promise<number> {
    this.stopped ??= this.runShutdown(
      (isFast ? this.config.fastShutdownSeconds : this.config.gracePeriodSeconds) * 1000,
    );
    return this.stopped;
  }

  private async runShutdown(graceMs: number): Promise<number> {
    this.state = 'stopping';
    this.log(`shutting down, grace period ${graceMs} ms`);
    for (const t of this.restartTimers) clearTimeout(t);
    this.upgradeServer?.close();
    for (const l of this.shared.values()) l.close(!this.isHandedOver);
    this.shared.clear();
    for (const { socket } of this.pending.splice(0)) socket.destroy();
    await this.retireAll([...this.all], graceMs);
    if (!this.isHandedOver) removePidFile(this.config.pidFile);
    this.log('stopped');
    return 0;
  }

  /** A new master asked to take over: stop accepting, drain, exit. */
  private handOver(): void {
    this.log('a new master takes over: draining');
    this.isHandedOver = true;
    this.state = 'stopping';
    const shared = [...this.shared.values()];
    this.shared.clear();
    setTimeout(() => {
      for (const l of shared) l.close(false);
      void this.shutdown(false).then((code) => process.exit(code));
    }, UNIX_SETTLE_MS);
  }

  private async openShared(config: ServerConfig): Promise<void> {
    for (const service of config.services) {
      for (const listener of service.listeners) {
        const key = listenerKey(listener);
        if (isPerWorker(listener, config.reusePort) || this.shared.has(key)) continue;
        // The master only accepts; TLS runs in the worker that gets the socket.
        const raw =
          listener.path !== undefined
            ? { path: listener.path }
            : { address: listener.address as string };
        const bound = new BoundListener(raw, key, service.name, (socket) => this.pass(key, socket));
        await bound.listen({ reusePort: false, pauseOnConnect: true, log: this.log });
        this.shared.set(key, bound);
      }
    }
  }

  /** Passes a connection accepted on a shared listener to the next ready worker, in turn. */
  private pass(key: string, socket: Socket): void {
    const ready = this.current.filter((w) => w.state === 'ready' && w.child.connected);
    if (ready.length === 0) {
      if (this.pending.length >= MAX_PENDING) socket.destroy();
      else this.pending.push({ key, socket });
      return;
    }
    const worker = ready[this.turn++ % ready.length] as Worker;
    const message: ToWorker = { type: 'connection', key };
    worker.child.send(message, socket, (error) => {
      if (error) socket.destroy();
    });
  }

  private flushPending(): void {
    for (const { key, socket } of this.pending.splice(0)) this.pass(key, socket);
  }

  private async spawnGeneration(config: ServerConfig): Promise<Worker[]> {
    const workers: Worker[] = [];
    for (let slot = 0; slot < config.workers; slot++) workers.push(this.spawn(config, slot));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(workers.map((w) => w.ready)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`workers not ready within ${this.startTimeoutMs} ms`)),
            this.startTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      for (const w of workers) w.child.kill('SIGKILL');
      throw PingoraError.because('InternalError', `starting generation ${this.generation}`, error);
    } finally {
      clearTimeout(timer);
    }
    return workers;
  }

  private spawn(config: ServerConfig, slot: number): Worker {
    const spec: WorkerSpec = {
      config,
      passedIn: [...this.shared.keys()],
      slot,
      generation: this.generation,
    };
    const child = fork(WORKER_SCRIPT, [], {
      env: {
        ...process.env,
        [WORKER_ENV]: JSON.stringify(spec),
        [TICKET_KEYS_ENV]: this.ticketKeys.toString('hex'),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let onReady: () => void = () => {};
    let onFail: (error: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    // A failure before 'ready' is reported through `ready`; never leave it unhandled.
    ready.catch(() => {});
    let onStoppedAccepting: () => void = () => {};
    const stoppedAccepting = new Promise<void>((resolve) => {
      onStoppedAccepting = resolve;
    });
    const worker: Worker = {
      slot,
      generation: this.generation,
      child,
      startedAt: Date.now(),
      state: 'starting',
      ready,
      stoppedAccepting,
    };
    this.all.add(worker);
    let reason = '';
    child.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      if (message.type === 'fatal') {
        reason = message.message;
      } else if (message.type === 'stopped-accepting') {
        onStoppedAccepting();
      } else if (worker.state === 'starting') {
        worker.state = 'ready';
        onReady();
        if (this.current.includes(worker)) this.flushPending();
      }
    });
    child.on('error', (error) => this.log(`worker ${slot}: ${String(error)}`));
    child.once('exit', (code, signal) => {
      this.all.delete(worker);
      onStoppedAccepting();
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      if (worker.state === 'starting') {
        onFail(
          new Error(
            `worker ${slot} exited (${how}) before it was ready${reason ? `: ${reason}` : ''}`,
          ),
        );
      }
      if (worker.state === 'retiring' || !this.current.includes(worker)) return;
      if (this.state === 'stopping') return;
      const uptime = Date.now() - worker.startedAt;
      const backoff =
        this.backoffs.get(slot) ??
        new RestartBackoff(this.config.restartBackoffMs, this.config.restartBackoffMaxMs);
      this.backoffs.set(slot, backoff);
      const delay = backoff.nextDelay(uptime);
      this.log(
        `worker ${slot} (pid ${child.pid}) exited (${how}) after ${uptime} ms; restarting in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        if (this.state === 'stopping' || !this.current.includes(worker)) return;
        const replacement = this.spawn(this.config, slot);
        this.current = this.current.map((w) => (w === worker ? replacement : w));
        replacement.ready.then(
          () => this.log(`worker ${slot} replaced: pid ${replacement.child.pid} ready`),
          () => {},
        );
      }, delay);
      this.restartTimers.add(timer);
    });
    return worker;
  }

  /**
   * Retires workers in two steps (see ToWorker): all stop accepting, then all drain. Resolves
   * when all have exited.
   */
  private async retireAll(workers: readonly Worker[], graceMs: number): Promise<void> {
    const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const stop: ToWorker = { type: 'stop-accepting' };
    for (const w of live) {
      w.state = 'retiring';
      if (w.child.connected) w.child.send(stop, () => {});
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(live.map((w) => w.stoppedAccepting)),
      // A worker too busy to answer within this is drained anyway.
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_ACCEPTING_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all(live.map((w) => this.retire(w, graceMs)));
  }

  /** Tells a worker to stop accepting and drain; resolves when it has exited (killed if late). */
  private retire(worker: Worker, graceMs: number): Promise<void> {
    const child = worker.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    worker.state = 'retiring';
    const hookMs = this.config.gracefulShutdownTimeoutSeconds * 1000;
    const message: ToWorker = { type: 'shutdown', graceMs, hookTimeoutMs: hookMs };
    if (child.connected) child.send(message, () => {});
    else child.kill('SIGTERM');
    return new Promise((resolve) => {
      // The worker exits by itself after grace + hooks; a second late beyond that is stuck.
      const timer = setTimeout(
        () => {
          this.log(`worker ${worker.slot} (pid ${child.pid}) did not exit in time: killed`);
          child.kill('SIGKILL');
        },
        graceMs + hookMs + 1000,
      );
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
