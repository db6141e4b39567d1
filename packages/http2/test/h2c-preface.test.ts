import net from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { H2C_PREFACE, type PrefaceVerdict, sniffH2cPreface } from '../src/index.js';
import { closeListener, listen } from './peers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A listener that sniffs each connection and reports the verdict and what was left to read. */
async function sniffer(timeoutMs?: number) {
  const results: { verdict: PrefaceVerdict; rest: Promise<Buffer> }[] = [];
  let notify: () => void = () => {};
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    void sniffH2cPreface(socket, timeoutMs).then((verdict) => {
      const rest = new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        socket.on('data', (d: Buffer) => parts.push(d));
        socket.on('end', () => resolve(Buffer.concat(parts)));
        socket.on('close', () => resolve(Buffer.concat(parts)));
      });
      results.push({ verdict, rest });
      notify();
    });
  });
  const port = await listen(server);
  cleanups.push(() => closeListener(server));
  const next = async () => {
    while (results.length === 0) await new Promise<void>((r) => (notify = r));
    return results.shift() as { verdict: PrefaceVerdict; rest: Promise<Buffer> };
  };
  return { port, next };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', () => {});
    cleanups.push(() => void s.destroy());
  });
}

describe('sniffH2cPreface', () => {
  it('tells HTTP/1 from the first differing byte, before the rest arrives', async () => {
    const { port, next } = await sniffer();
    const s = await connect(port);
    s.write('GET');
    const r = await next();
    expect(r.verdict).toBe('http1');
    s.end(' / HTTP/1.1\r\n\r\n');
    expect((await r.rest).toString()).toBe('GET / HTTP/1.1\r\n\r\n');
  });

  it('says h2c for the preface and leaves every byte to read', async () => {
    const { port, next } = await sniffer();
    const s = await connect(port);
    s.write(H2C_PREFACE.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    s.end(Buffer.concat([H2C_PREFACE.subarray(10), Buffer.from('frames')]));
    const r = await next();
    expect(r.verdict).toBe('h2c');
    expect((await r.rest).toString('latin1')).toBe(`${H2C_PREFACE.toString('latin1')}frames`);
  });

  it('says closed for a connection that ends early or sends nothing in time', async () => {
    const a = await sniffer();
    const s = await connect(a.port);
    s.end(H2C_PREFACE.subarray(0, 5));
    expect((await a.next()).verdict).toBe('closed');
    const b = await sniffer(50);
    const quiet = await connect(b.port);
    expect((await b.next()).verdict).toBe('closed');
    await new Promise<void>((r) => (quiet.destroyed ? r() : quiet.once('close', () => r())));
    expect(quiet.destroyed).toBe(true);
  });

  it('matches the reference (starts with the preface) over any bytes and any chunking', async () => {
    const { port, next } = await sniffer();
    const prefaceLike = fc
      .tuple(fc.nat({ max: 24 }), fc.uint8Array({ maxLength: 8 }))
      .map(([n, tail]) => Buffer.concat([H2C_PREFACE.subarray(0, n), tail]));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          prefaceLike,
          fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)),
        ),
        fc.nat({ max: 40 }),
        async (data, cut) => {
          fc.pre(data.length > 0);
          const s = await connect(port);
          const at = Math.min(cut, data.length);
          if (at > 0) s.write(data.subarray(0, at));
          s.end(data.subarray(at));
          const r = await next();
          const n = Math.min(data.length, H2C_PREFACE.length);
          const isPrefix = data.subarray(0, n).equals(H2C_PREFACE.subarray(0, n));
          const expected = !isPrefix
            ? 'http1'
            : data.length >= H2C_PREFACE.length
              ? 'h2c'
              : 'closed';
          expect(r.verdict).toBe(expected);
          if (expected !== 'closed') expect((await r.rest).equals(data)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});
