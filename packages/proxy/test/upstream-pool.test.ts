// The proxy's own upstream pool: sized by `upstreamPoolSize`, it keeps as many idle connections
// as there were exchanges in flight, so that the next wave of that size opens none. Real
// sockets: a node:http origin that answers once a whole wave is in flight, clients over
// keep-alive connections of their own.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpProxy } from '../src/index.js';
import { type Origin, startOrigin } from './origin.js';

const WAVE = 200;
let origin: Origin | undefined;
let proxy: HttpProxy | undefined;
let agent: http.Agent | undefined;

afterEach(async () => {
  agent?.destroy();
  await proxy?.close();
  await origin?.close();
  origin = proxy = agent = undefined;
});

/** An origin that holds every request until `WAVE` of them are waiting, then answers them all. */
async function waveOrigin(): Promise<Origin> {
  let held: (() => void)[] = [];
  return startOrigin((_req, res) => {
    held.push(() => res.end('ok'));
    if (held.length === WAVE) {
      const release = held;
      held = [];
      for (const answer of release) answer();
    }
  });
}

/** `WAVE` concurrent GETs through the proxy, each on a client connection of its own. */
async function wave(port: number): Promise<string[]> {
  const one = () =>
    new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
    });
  return Promise.all(Array.from({ length: WAVE }, one));
}

async function twoWaves(options: { upstreamPoolSize?: number }): Promise<number[]> {
  origin = await waveOrigin();
  const peer = { host: '127.0.0.1', port: origin.port };
  proxy = new HttpProxy({ upstreamPeer: () => peer }, options);
  const { port } = (await proxy.listen(0, '127.0.0.1')) as AddressInfo;
  agent = new http.Agent({ keepAlive: true, maxSockets: WAVE });
  const counts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const answers = await wave(port);
    expect(answers).toEqual(Array.from({ length: WAVE }, () => '200 ok'));
    counts.push(origin.connections);
  }
  return counts;
}

describe('upstream pool of the proxy', () => {
  it(`keeps ${WAVE} idle connections by default: a second wave of ${WAVE} opens none`, async () => {
    expect(await twoWaves({})).toEqual([WAVE, WAVE]);
  });

  it('upstreamPoolSize caps the idle connections: at 128, the second wave opens the rest again', async () => {
    expect(await twoWaves({ upstreamPoolSize: 128 })).toEqual([WAVE, 2 * WAVE - 128]);
  });

  it('upstreamPoolSize 0 pools nothing', async () => {
    expect(await twoWaves({ upstreamPoolSize: 0 })).toEqual([WAVE, 2 * WAVE]);
  });

  it('rejects a pool size that is not a non-negative integer', () => {
    expect(
      () =>
        new HttpProxy({ upstreamPeer: () => ({ host: 'x', port: 1 }) }, { upstreamPoolSize: -1 }),
    ).toThrow(/upstreamPoolSize must be a non-negative integer/);
  });
});
