import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, TimerWheel, whenDrained } from '../src/index.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A stand-in writable with the events a drain wait uses (timing tests need no socket). */
class Writable extends EventEmitter {
  destroyed = false;
}

function manualWheel() {
  const clock = new ManualClock();
  return { clock, wheel: new TimerWheel({ tickMs: 10, clock, scheduler: clock }) };
}

describe('whenDrained', () => {
  it('answers drain, close or timeout, whichever comes first, and leaves no listener', async () => {
    const { clock, wheel } = manualWheel();
    const a = new Writable();
    const drained = whenDrained(a, wheel, 100);
    a.emit('drain');
    expect(await drained).toBe('drain');
    const b = new Writable();
    const closed = whenDrained(b, wheel, 100);
    b.emit('close');
    expect(await closed).toBe('close');
    const c = new Writable();
    const timedOut = whenDrained(c, wheel, 100);
    clock.advance(90);
    expect(wheel.pending).toBe(1);
    clock.advance(30);
    expect(await timedOut).toBe('timeout');
    for (const w of [a, b, c]) {
      expect(w.listenerCount('drain') + w.listenerCount('close')).toBe(0);
    }
    expect(wheel.pending).toBe(0);
  });

  it('answers close at once for a stream already destroyed (no event would come)', async () => {
    const { wheel } = manualWheel();
    const w = new Writable();
    w.destroyed = true;
    expect(await whenDrained(w, wheel, 100)).toBe('close');
    expect(w.listenerCount('close')).toBe(0);
  });

  it('waits for a real socket whose peer reads late, and times out when it never reads', async () => {
    const peers: net.Socket[] = [];
    const server = net.createServer((s) => {
      s.pause();
      peers.push(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => server.close());
    const { port } = server.address() as net.AddressInfo;
    const wheel = new TimerWheel({ tickMs: 10 });
    cleanups.push(() => wheel.close());
    const connect = async () => {
      const socket = net.connect(port, '127.0.0.1');
      cleanups.push(() => socket.destroy());
      await once(socket, 'connect');
      return socket;
    };
    const big = Buffer.alloc(32 * 1024 * 1024);
    const never = await connect();
    expect(never.write(big)).toBe(false);
    expect(await whenDrained(never, wheel, 150)).toBe('timeout');
    const late = await connect();
    expect(late.write(big)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    const waiting = whenDrained(late, wheel, 10_000);
    peers.at(-1)?.resume();
    expect(await waiting).toBe('drain');
    for (const p of peers) p.destroy();
  });
});
