import { PingoraError } from '@pingora-ts/error';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Filter, HttpProxy, type ProxyHttp, type ProxyPeer } from '../src/index.js';
import { closedPort, type Origin, startOrigin } from './origin.js';

let origin: Origin;
let deadPort: number;
beforeAll(async () => {
  origin = await startOrigin();
  deadPort = await closedPort();
});
afterAll(() => origin.close());

interface Ctx {
  phases: string[];
}

/** A ProxyHttp whose every phase records its name; `overrides` change behaviour. */
function recording(overrides: Partial<ProxyHttp<Ctx>> = {}): {
  phases: ProxyHttp<Ctx>;
  logs: { phases: string[]; error: PingoraError | undefined; status: number | undefined }[];
} {
  const logs: { phases: string[]; error: PingoraError | undefined; status: number | undefined }[] =
    [];
  const phases: ProxyHttp<Ctx> = {
    newCtx: () => ({ phases: ['newCtx'] }),
    earlyRequestFilter: (_s, c) => void c.phases.push('earlyRequestFilter'),
    requestFilter: (_s, c) => void c.phases.push('requestFilter'),
    requestBodyFilter: (_s, _chunk, isEnd, c) =>
      void (isEnd && c.phases.push('requestBodyFilter:end')),
    requestCacheFilter: (_s, c) => void c.phases.push('requestCacheFilter'),
    proxyUpstreamFilter: (_s, c) => void c.phases.push('proxyUpstreamFilter'),
    upstreamPeer: (_s, c) => {
      c.phases.push('upstreamPeer');
      return { host: '127.0.0.1', port: origin.port };
    },
    connectedToUpstream: (_s, _r, _p, c) => void c.phases.push('connectedToUpstream'),
    upstreamRequestFilter: (_s, _r, c) => void c.phases.push('upstreamRequestFilter'),
    upstreamResponseFilter: (_s, _r, c) => void c.phases.push('upstreamResponseFilter'),
    responseCacheFilter: (_s, _r, c) => void c.phases.push('responseCacheFilter'),
    responseFilter: (_s, _r, c) => void c.phases.push('responseFilter'),
    responseBodyFilter: (_s, _chunk, isEnd, c) =>
      void (isEnd && c.phases.push('responseBodyFilter:end')),
    failToConnect: (_s, _p, e, c) => {
      c.phases.push('failToConnect');
      return e;
    },
    errorWhileProxy: (_s, _p, e, c) => {
      c.phases.push('errorWhileProxy');
      return e;
    },
    failToProxy: (_s, _e, c) => void c.phases.push('failToProxy'),
    logging: (s, error, c) => {
      c.phases.push('logging');
      logs.push({ phases: c.phases, error, status: s.response?.status });
    },
    ...overrides,
  };
  return { phases, logs };
}

async function through(
  phases: ProxyHttp<Ctx>,
  path = '/x',
  options = {},
): Promise<{ status: number; body: string }> {
  const proxy = new HttpProxy(phases, options);
  const { port } = await proxy.listen(0, '127.0.0.1');
  try {
    const res = await request(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: 'ping' });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await proxy.close();
  }
}

const UPSTREAM_PHASES = [
  'connectedToUpstream',
  'upstreamRequestFilter',
  'requestBodyFilter:end',
  'upstreamResponseFilter',
  'responseCacheFilter',
  'responseFilter',
  'responseBodyFilter:end',
  'logging',
];

describe('phase order', () => {
  it('runs every phase of a plain request in DESIGN.md order', async () => {
    const { phases, logs } = recording();
    const res = await through(phases);
    expect(res).toEqual({ status: 200, body: 'origin POST /x' });
    // A small body is read (and filtered) before the first attempt, so it can be retried.
    expect(logs[0]?.phases).toEqual([
      'newCtx',
      'earlyRequestFilter',
      'requestFilter',
      'requestBodyFilter:end',
      'requestCacheFilter',
      'proxyUpstreamFilter',
      'upstreamPeer',
      ...UPSTREAM_PHASES.filter((p) => p !== 'requestBodyFilter:end'),
    ]);
    expect(logs[0]?.error).toBeUndefined();
  });

  it('runs the same phases in the same order when every phase is async', async () => {
    // Sync phases are called without an await; promise-returning ones are awaited: both kinds
    // must give the same order and the same answer.
    const sync = recording();
    const syncRes = await through(sync.phases);
    const asynchronous = recording();
    const wrapped: Record<string, unknown> = {};
    for (const [name, phase] of Object.entries(asynchronous.phases)) {
      wrapped[name] =
        name === 'newCtx'
          ? phase
          : async (...args: unknown[]) => {
              await new Promise((resolve) => setImmediate(resolve));
              return (phase as (...a: unknown[]) => unknown)(...args);
            };
    }
    const asyncRes = await through(wrapped as unknown as ProxyHttp<Ctx>);
    expect(asyncRes).toEqual(syncRes);
    expect(asynchronous.logs[0]?.phases).toEqual(sync.logs[0]?.phases);
  });

  it('takes the results of async requestFilter and body filters', async () => {
    const later = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));
    const upper = (chunk: Uint8Array | undefined) =>
      chunk === undefined ? undefined : Buffer.from(`${chunk}`.toUpperCase());
    const seen = origin.seen.length;
    const shouting = recording({
      responseFilter: (_s, response) => void response.headers.remove('Content-Length'),
      requestBodyFilter: (_s, chunk) => later(upper(chunk)),
      responseBodyFilter: (_s, chunk, isEnd) => later(isEnd ? Buffer.from('!') : upper(chunk)),
    });
    expect(await through(shouting.phases)).toEqual({ status: 200, body: 'ORIGIN POST /X!' });
    expect(origin.seen[seen]?.body).toBe('PING');
    const answering = recording({
      requestFilter: () => later(Filter.respond(200, 'from an async filter')),
    });
    expect(await through(answering.phases)).toEqual({ status: 200, body: 'from an async filter' });
  });

  it('stops after requestFilter when it rejects, and logging still runs', async () => {
    const { phases, logs } = recording({
      requestFilter: (_s, c) => {
        c.phases.push('requestFilter');
        return Filter.reject(403, 'no');
      },
    });
    expect(await through(phases)).toEqual({ status: 403, body: 'no' });
    expect(logs[0]?.phases).toEqual(['newCtx', 'earlyRequestFilter', 'requestFilter', 'logging']);
    expect(logs[0]?.status).toBe(403);
  });

  it('answers a respond result without going upstream', async () => {
    const before = origin.seen.length;
    const { phases, logs } = recording({
      requestFilter: (_s, c) => {
        c.phases.push('requestFilter');
        return Filter.respond(200, 'from the filter', { 'X-Filter': '1' });
      },
    });
    expect(await through(phases)).toEqual({ status: 200, body: 'from the filter' });
    expect(logs[0]?.phases).toEqual(['newCtx', 'earlyRequestFilter', 'requestFilter', 'logging']);
    expect(origin.seen.length).toBe(before);
  });

  it('skip goes straight to upstreamPeer', async () => {
    const { phases, logs } = recording({
      requestFilter: (_s, c) => {
        c.phases.push('requestFilter');
        return Filter.skip;
      },
    });
    expect((await through(phases)).status).toBe(200);
    expect(logs[0]?.phases.slice(0, 5)).toEqual([
      'newCtx',
      'earlyRequestFilter',
      'requestFilter',
      'requestBodyFilter:end',
      'upstreamPeer',
    ]);
  });

  it('proxyUpstreamFilter false answers 502 without an upstream', async () => {
    const { phases, logs } = recording({
      proxyUpstreamFilter: (_s, c) => {
        c.phases.push('proxyUpstreamFilter');
        return false;
      },
    });
    expect((await through(phases)).status).toBe(502);
    expect(logs[0]?.phases.at(-2)).toBe('proxyUpstreamFilter');
  });

  it('retries a refused connect on the next peer: failToConnect, then upstreamPeer again', async () => {
    const peers: ProxyPeer[] = [
      { host: '127.0.0.1', port: deadPort },
      { host: '127.0.0.1', port: origin.port },
    ];
    const { phases, logs } = recording({
      upstreamPeer: (s, c) => {
        c.phases.push('upstreamPeer');
        return peers[s.retries] as ProxyPeer;
      },
    });
    expect((await through(phases)).status).toBe(200);
    const p = logs[0]?.phases ?? [];
    expect(p.slice(p.indexOf('upstreamPeer'))).toEqual([
      'upstreamPeer',
      'failToConnect',
      'upstreamPeer',
      ...UPSTREAM_PHASES.filter((x) => x !== 'requestBodyFilter:end'),
    ]);
  });

  it('a failed request: failToConnect per attempt, failToProxy, logging with the error (502)', async () => {
    const { phases, logs } = recording({
      upstreamPeer: (_s, c) => {
        c.phases.push('upstreamPeer');
        return { host: '127.0.0.1', port: deadPort };
      },
    });
    expect((await through(phases, '/x', { maxRetries: 2 })).status).toBe(502);
    const p = logs[0]?.phases ?? [];
    expect(p.slice(p.indexOf('upstreamPeer'))).toEqual([
      'upstreamPeer',
      'failToConnect',
      'upstreamPeer',
      'failToConnect',
      'upstreamPeer',
      'failToConnect',
      'failToProxy',
      'logging',
    ]);
    expect(logs[0]?.error?.kind).toBe('ConnectRefused');
    expect(logs[0]?.error?.source).toBe('upstream');
  });

  it('failToConnect can refuse a retry', async () => {
    const { phases, logs } = recording({
      upstreamPeer: () => ({ host: '127.0.0.1', port: deadPort }),
      failToConnect: (_s, _p, e) => e.setRetry('never'),
    });
    expect((await through(phases)).status).toBe(502);
    expect(logs[0]?.phases.filter((x) => x === 'failToProxy')).toHaveLength(1);
  });

  it('failToProxy chooses the status, or writes its own page', async () => {
    const dead = { host: '127.0.0.1', port: deadPort };
    const a = recording({ upstreamPeer: () => dead, failToProxy: () => ({ status: 503 }) });
    expect((await through(a.phases, '/x', { maxRetries: 0 })).status).toBe(503);
    const b = recording({
      upstreamPeer: () => dead,
      failToProxy: async (s, e) => {
        await s.respond(599, `sorry: ${e.kind}`, { 'Content-Type': 'text/plain' });
      },
    });
    expect(await through(b.phases, '/x', { maxRetries: 0 })).toEqual({
      status: 599,
      body: 'sorry: ConnectRefused',
    });
  });

  it('a throwing filter becomes a 500 with the error logged', async () => {
    const { phases, logs } = recording({
      requestFilter: () => {
        throw new Error('filter bug');
      },
    });
    expect((await through(phases)).status).toBe(500);
    expect(logs[0]?.error?.kind).toBe('InternalError');
    expect(String(logs[0]?.error)).toContain('filter bug');
  });

  it('a PingoraError status thrown by a filter is the status sent', async () => {
    const { phases } = recording({
      requestFilter: () => {
        throw PingoraError.status(429, 'slow down');
      },
    });
    expect((await through(phases)).status).toBe(429);
  });
});

describe('class-based phases', () => {
  it('calls every phase, body filters included, as a method of the object (`this` works)', async () => {
    class Shouting implements ProxyHttp<Ctx> {
      readonly calls: string[] = [];
      readonly #suffix = '!';
      newCtx(): Ctx {
        return { phases: [] };
      }
      upstreamPeer(): ProxyPeer {
        this.calls.push('upstreamPeer');
        return { host: '127.0.0.1', port: origin.port };
      }
      requestBodyFilter(_s: unknown, chunk: Uint8Array | undefined, isEnd: boolean) {
        this.calls.push(`requestBodyFilter:${isEnd}`);
        return chunk === undefined ? undefined : Buffer.from(`${chunk}`.toUpperCase());
      }
      responseFilter(_s: unknown, response: { headers: { remove(name: string): unknown } }) {
        this.calls.push('responseFilter');
        response.headers.remove('Content-Length'); // the body filter changes the length
      }
      responseBodyFilter(_s: unknown, chunk: Uint8Array | undefined, isEnd: boolean) {
        this.calls.push(`responseBodyFilter:${isEnd}`);
        if (isEnd) return Buffer.from(this.#suffix);
        return chunk === undefined ? undefined : Buffer.from(`${chunk}`.toUpperCase());
      }
    }
    const phases = new Shouting();
    const seen = origin.seen.length;
    expect(await through(phases)).toEqual({ status: 200, body: 'ORIGIN POST /X!' });
    expect(origin.seen[seen]?.body).toBe('PING');
    expect(phases.calls).toEqual([
      'requestBodyFilter:false',
      'requestBodyFilter:true',
      'upstreamPeer',
      'responseFilter',
      'responseBodyFilter:false',
      'responseBodyFilter:true',
    ]);
  });

  it('a response body filter that drops the body and adds an ending sends only the ending', async () => {
    const { phases } = recording({
      responseFilter: (_s, response) => void response.headers.remove('Content-Length'),
      responseBodyFilter: (_s, _chunk, isEnd) => (isEnd ? Buffer.from('replaced') : null),
    });
    expect(await through(phases)).toEqual({ status: 200, body: 'replaced' });
  });

  it('a response body filter that drops everything sends an empty body', async () => {
    const { phases } = recording({
      responseFilter: (_s, response) => void response.headers.remove('Content-Length'),
      responseBodyFilter: () => null,
    });
    expect(await through(phases)).toEqual({ status: 200, body: '' });
  });
});
