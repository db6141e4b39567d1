// The connect, total connect and write timeouts against real loopback peers that stall: a
// listener whose accept queue is full (the kernel drops further SYNs, so a connect hangs) and
// a server that accepts but never reads.
import { once } from 'node:events';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpConnector } from '../src/index.js';
import { rejection } from './rejection.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A listener that never accepts: a worker thread listens with a backlog of 1, then blocks its
 * event loop (Atomics.wait, at most 20 s) so nothing is taken from the accept queue. Once
 * the queue is full, the kernel drops further SYNs and a connect to the port hangs.
 */
async function stalledListener(): Promise<number> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const net = require('node:net');
     const { parentPort, workerData } = require('node:worker_threads');
     const server = net.createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setImmediate(() => Atomics.wait(workerData, 0, 0, 20000));
     });`,
    { eval: true, workerData: flag },
  );
  const [port] = (await once(worker, 'message')) as [number];
  const fillers: net.Socket[] = [];
  cleanups.push(async () => {
    for (const s of fillers) s.destroy();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await worker.terminate();
  });
  // Fill the accept queue: the first connects complete, the later ones hang at the SYN.
  for (let i = 0; i < 4; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 100));
  return port;
}

function connector(): HttpConnector {
  const c = new HttpConnector();
  cleanups.push(() => c.close());
  return c;
}

describe('HttpConnector timeouts against stalled loopback peers', () => {
  it('gives up a connect that gets no answer with ConnectTimedout, retryable on another peer', async () => {
    const port = await stalledListener();
    const started = performance.now();
    const e = await rejection(
      connector().request({ host: '127.0.0.1', port, connectTimeoutMs: 200 }),
    );
    const took = performance.now() - started;
    expect(e.kind).toBe('ConnectTimedout');
    expect(e.source).toBe('upstream');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.canRetry(false)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(190);
  });

  it('caps a connect by what is left of the total connect timeout', async () => {
    const port = await stalledListener();
    const started = performance.now();
    const e = await rejection(
      connector().request({
        host: '127.0.0.1',
        port,
        connectTimeoutMs: 10_000,
        totalConnectTimeoutMs: 250,
      }),
    );
    const took = performance.now() - started;
    expect(e.kind).toBe('ConnectTimedout');
    // The 10 s connect timeout would have waited far longer than the 250 ms total.
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(5_000);
  });

  it('fails a request body the upstream stops taking with WriteTimedout, not retried', async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((s) => {
      s.pause(); // accepts, never reads: the socket buffers fill and the writer must wait
      held.push(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    cleanups.push(() => {
      for (const s of held) s.destroy();
    });
    const port = (server.address() as net.AddressInfo).port;
    const body = Buffer.alloc(64 * 1024 * 1024, 'x'); // far more than loopback buffers hold
    const e = await rejection(
      connector().request(
        { host: '127.0.0.1', port, writeTimeoutMs: 300 },
        { method: 'POST', path: '/upload', body },
      ),
    );
    expect(e.kind).toBe('WriteTimedout');
    expect(e.source).toBe('upstream');
    expect(e.message).toContain('300 ms');
    expect(e.canRetry(false)).toBe(false);
    expect(e.canRetry(true)).toBe(false);
  });
});
