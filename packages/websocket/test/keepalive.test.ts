import { once } from 'node:events';
import { ManualClock, TimerWheel } from '@pingora-ts/timeout';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import type { WebSocket } from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { echo, rawUpgrade, startOurServer } from './peers.js';

expectNoLeakedHandles();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tick = () => new Promise((r) => setTimeout(r, 20));

async function serverWithClock() {
  const clock = new ManualClock();
  const wheel = new TimerWheel({ tickMs: 10, clock, scheduler: clock });
  let resolve!: (ws: WebSocket) => void;
  const accepted = new Promise<WebSocket>((r) => {
    resolve = r;
  });
  const server = await startOurServer(
    { wheel, pingIntervalMs: 1000, pongTimeoutMs: 500, closeTimeoutMs: 300 },
    async (ws) => {
      resolve(ws);
      await echo(ws);
    },
  );
  cleanups.push(async () => {
    await server.close();
    wheel.close();
  });
  return { clock, port: server.port, accepted };
}

describe('keepalive and timeouts (injected clock)', () => {
  it('pings a quiet peer and drops it with 1006 when no pong comes', async () => {
    const { clock, port, accepted } = await serverWithClock();
    const raw = await rawUpgrade(port);
    cleanups.push(() => {
      raw.socket.destroy();
    });
    const ws = await accepted;
    clock.advance(999);
    await tick();
    expect(raw.received().length).toBe(0);
    clock.advance(1);
    await tick();
    expect([...raw.received()]).toEqual([0x89, 0x00]); // an empty ping
    clock.advance(499);
    await tick();
    expect(ws.readyState).toBe('open');
    clock.advance(1);
    const info = await ws.closed;
    expect(info).toMatchObject({ code: 1006, wasClean: false });
    expect(info.error).toMatchObject({ kind: 'ReadTimedout', source: 'downstream' });
  });

  it('keeps a peer that answers pings', async () => {
    const { clock, port, accepted } = await serverWithClock();
    const client = new WsClient(`ws://127.0.0.1:${port}/`);
    const closed = once(client, 'close');
    cleanups.push(async () => {
      client.terminate();
      await closed;
    });
    await once(client, 'open');
    const ws = await accepted;
    let pings = 0;
    client.on('ping', () => pings++);
    // A tick after traffic (the last pong) only rearms; the next quiet one pings. ws answers
    // every ping with a pong by itself, so the connection stays up.
    for (let i = 0; i < 12; i++) {
      clock.advance(500);
      await tick();
      expect(ws.readyState).toBe('open');
    }
    expect(pings).toBe(3);
  });

  it('does not drop a peer whose messages wait unread (the socket is paused by us)', async () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel({ tickMs: 10, clock, scheduler: clock });
    let resolve!: (ws: WebSocket) => void;
    const accepted = new Promise<WebSocket>((r) => {
      resolve = r;
    });
    const server = await startOurServer(
      { wheel, pingIntervalMs: 1000, pongTimeoutMs: 500, maxQueuedMessages: 2 },
      (ws) => resolve(ws),
    );
    cleanups.push(async () => {
      await server.close();
      wheel.close();
    });
    const client = new WsClient(`ws://127.0.0.1:${server.port}/`);
    const closed = once(client, 'close');
    cleanups.push(async () => {
      client.terminate();
      await closed;
    });
    await once(client, 'open');
    const ws = await accepted;
    for (let i = 0; i < 10; i++) client.send(`m${i}`);
    await tick();
    for (let i = 0; i < 6; i++) {
      clock.advance(500);
      await tick();
    }
    expect(ws.readyState).toBe('open');
    const got: string[] = [];
    for await (const m of ws) {
      got.push(m.text());
      if (got.length === 10) break;
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it('drops a peer that never answers its close frame after closeTimeoutMs', async () => {
    const { clock, port, accepted } = await serverWithClock();
    const raw = await rawUpgrade(port);
    cleanups.push(() => {
      raw.socket.destroy();
    });
    const ws = await accepted;
    const closing = ws.close(1000, 'bye');
    expect(ws.readyState).toBe('closing');
    await tick();
    expect(raw.received().subarray(0, 4)).toEqual(Buffer.from([0x88, 0x05, 0x03, 0xe8]));
    clock.advance(300);
    expect(await closing).toMatchObject({ code: 1006, wasClean: false });
  });
});
