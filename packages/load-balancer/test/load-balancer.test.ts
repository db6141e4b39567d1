import { ManualClock } from '@pingora-ts/timeout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Backend,
  type DiscoveryResult,
  type HealthChangeEvent,
  HttpHealthCheck,
  LoadBalancer,
  type ServiceDiscovery,
  TcpHealthCheck,
} from '../src/index.js';
import { trackHandles } from './leak-check.js';
import { httpPeer, tcpPeer } from './peers.js';
import { seededRandom } from './seeded-random.js';

let checkHandles: () => Promise<void>;
beforeAll(() => {
  checkHandles = trackHandles();
});
afterAll(() => checkHandles());

/** A discovery the test controls, counting its calls. */
class ScriptedDiscovery implements ServiceDiscovery {
  calls = 0;
  result: DiscoveryResult = { backends: [] };
  error: Error | undefined;
  notify: (() => void) | undefined;
  isWatching = false;

  discover(): Promise<DiscoveryResult> {
    this.calls++;
    return this.error === undefined ? Promise.resolve(this.result) : Promise.reject(this.error);
  }

  watch(onChange: () => void): () => void {
    this.notify = onChange;
    this.isWatching = true;
    return () => {
      this.isWatching = false;
    };
  }
}

/** Lets promise callbacks and I/O run (bounded). */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('LoadBalancer: selection and health', () => {
  it('selects among healthy backends only, and by the caller accept', () => {
    const lb = new LoadBalancer({ backends: ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'] });
    const [a, b, c] = lb.backends.list as [Backend, Backend, Backend];
    expect([1, 2, 3, 4].map(() => lb.select()?.addr)).toEqual([a.addr, b.addr, c.addr, a.addr]);
    lb.backends.setHealthy(b, false);
    const picks = new Set(Array.from({ length: 9 }, () => lb.select()));
    expect(picks).toEqual(new Set([a, c]));
    // A retry that already tried a: only c is left.
    expect(lb.select('', 3, (x) => x !== a)).toBe(c);
    expect(lb.select('', 3, (x) => x !== a && x !== c)).toBeUndefined();
    expect(lb.select('', 0)).toBeUndefined();
  });

  it('marks a backend down after N reported connect failures in a row, until the active check brings it back', async () => {
    const server = await tcpPeer();
    const events: HealthChangeEvent[] = [];
    const lb = new LoadBalancer({
      backends: [new Backend('127.0.0.1', server.port)],
      healthCheck: new TcpHealthCheck({ healthyThreshold: 2, unhealthyThreshold: 2 }),
      passiveFailureThreshold: 3,
    });
    lb.onHealthChange((e) => events.push(e));
    const backend = lb.backends.list[0]!;
    try {
      lb.reportConnectFailure(backend);
      lb.reportConnectFailure(backend);
      lb.reportConnectSuccess(backend); // the run is broken
      lb.reportConnectFailure(backend);
      lb.reportConnectFailure(backend);
      expect(lb.select()).toBe(backend);
      lb.reportConnectFailure(backend);
      expect(lb.select()).toBeUndefined();
      expect(events.map((e) => [e.healthy, e.reason])).toEqual([[false, 'passive']]);
      // Passive health cannot see recovery; two active successes bring it back.
      await lb.checkHealth();
      expect(lb.select()).toBeUndefined();
      await lb.checkHealth();
      expect(lb.select()).toBe(backend);
      expect(events.map((e) => [e.healthy, e.reason])).toEqual([
        [false, 'passive'],
        [true, 'active'],
      ]);
    } finally {
      await server.stop();
    }
  });

  it('follows real servers that stop and restart, with consecutive thresholds and events', async () => {
    const one = await httpPeer((_req, res) => res.end('ok'));
    const two = await httpPeer((_req, res) => res.end('ok'));
    const events: string[] = [];
    const lb = new LoadBalancer({
      backends: [new Backend('127.0.0.1', one.port), new Backend('127.0.0.1', two.port)],
      algorithm: 'least-in-flight',
      healthCheck: new HttpHealthCheck({
        healthyThreshold: 2,
        unhealthyThreshold: 3,
        bodyMatch: 'ok',
      }),
    });
    lb.onHealthChange((e) =>
      events.push(
        `${e.backend.port === one.port ? 'one' : 'two'} ${e.healthy ? 'up' : 'down'} ${e.error?.kind ?? ''}`,
      ),
    );
    const picks = () => new Set(Array.from({ length: 4 }, () => lb.select()?.port));
    try {
      await lb.checkHealth();
      expect(picks()).toEqual(new Set([one.port, two.port]));
      await two.stop();
      await lb.checkHealth();
      await lb.checkHealth();
      expect(picks()).toEqual(new Set([one.port, two.port])); // 2 failures < 3
      await lb.checkHealth();
      expect(picks()).toEqual(new Set([one.port]));
      expect(lb.backends.health(lb.backends.list[1]!)?.consecutiveFailures).toBe(3);
      await two.restart();
      await lb.checkHealth();
      expect(picks()).toEqual(new Set([one.port])); // 1 success < 2
      await lb.checkHealth();
      expect(picks()).toEqual(new Set([one.port, two.port]));
      await one.stop();
      for (let i = 0; i < 3; i++) await lb.checkHealth();
      expect(picks()).toEqual(new Set([two.port]));
      expect(events).toEqual(['two down ConnectRefused', 'two up ', 'one down ConnectRefused']);
    } finally {
      await one.stop();
      await two.stop();
    }
  });

  it('keeps health across discovery updates for addresses that stay', async () => {
    const discovery = new ScriptedDiscovery();
    const lb = new LoadBalancer({ discovery });
    discovery.result = { backends: [Backend.parse('10.0.0.1:80'), Backend.parse('10.0.0.2:80')] };
    await lb.refresh();
    const first = lb.backends.list[0]!;
    lb.backends.setHealthy(first, false);
    discovery.result = { backends: [Backend.parse('10.0.0.1:80'), Backend.parse('10.0.0.3:80')] };
    const changes: string[] = [];
    lb.onBackendsChange((c) => changes.push(`+${c.added.map(String)} -${c.removed.map(String)}`));
    await lb.refresh();
    expect(lb.backends.list[0]).toBe(first); // same instance
    expect(lb.backends.isHealthy(first)).toBe(false);
    expect(lb.select()?.addr).toBe('10.0.0.3:80');
    expect(changes).toEqual(['+10.0.0.3:80 -10.0.0.2:80']);
    await lb.refresh(); // no change, no event
    expect(changes).toHaveLength(1);
    // A failing discovery keeps the set.
    discovery.error = new Error('dns down');
    await expect(lb.refresh()).rejects.toMatchObject({ kind: 'InternalError' });
    expect(lb.backends.size).toBe(2);
  });

  it('validates options', () => {
    expect(() => new LoadBalancer({})).toThrow(TypeError);
    expect(() => new LoadBalancer({ backends: [], healthCheckJitter: 1 })).toThrow(RangeError);
    expect(() => new LoadBalancer({ backends: [], healthCheckIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new LoadBalancer({ backends: ['x'] })).toThrow(TypeError);
  });
});

describe('LoadBalancer: background task', () => {
  it('refreshes on its interval, sooner when the TTL ends first, and checks with jitter', async () => {
    const clock = new ManualClock();
    const discovery = new ScriptedDiscovery();
    discovery.result = { backends: [Backend.parse('10.0.0.1:80')], ttlMs: 300 };
    let checks = 0;
    const lb = new LoadBalancer({
      discovery,
      healthCheck: {
        healthyThreshold: 1,
        unhealthyThreshold: 1,
        check: () => {
          checks++;
          return Promise.resolve();
        },
      },
      discoveryIntervalMs: 1_000,
      minDiscoveryIntervalMs: 100,
      healthCheckIntervalMs: 500,
      healthCheckJitter: 0.2,
      clock,
      scheduler: clock,
      random: () => 1, // jitter factor 1 + 0.2 * (2 * 1 - 1) = 1.2: next round after 600 ms
    });
    lb.start();
    lb.start(); // idempotent
    await settle();
    expect([discovery.calls, checks]).toEqual([1, 1]);
    expect(discovery.isWatching).toBe(true);
    clock.advance(299);
    await settle();
    expect(discovery.calls).toBe(1);
    clock.advance(1); // the TTL (300 ms) is shorter than the interval
    await settle();
    expect(discovery.calls).toBe(2);
    discovery.result = { backends: [Backend.parse('10.0.0.1:80')] }; // no TTL: the interval
    clock.advance(300);
    await settle();
    expect(discovery.calls).toBe(3);
    clock.advance(999);
    await settle();
    expect(discovery.calls).toBe(3);
    clock.advance(1);
    await settle();
    expect(discovery.calls).toBe(4);
    expect(checks).toBe(3); // at 0, 600 and 1200 ms
    // A tiny TTL is floored at minDiscoveryIntervalMs.
    discovery.result = { backends: [], ttlMs: 1 };
    clock.advance(1_000);
    await settle();
    expect(discovery.calls).toBe(5);
    clock.advance(99);
    await settle();
    expect(discovery.calls).toBe(5);
    clock.advance(1);
    await settle();
    expect(discovery.calls).toBe(6);
    // A watched source's change refreshes at once.
    discovery.notify?.();
    await settle();
    expect(discovery.calls).toBe(7);
    await lb.stop();
    await lb.stop();
    expect(lb.isRunning).toBe(false);
    expect(discovery.isWatching).toBe(false);
    expect(clock.armed).toBe(0);
    clock.advance(10_000);
    await settle();
    expect(discovery.calls).toBe(7);
  });

  it('reports discovery failures to onError and keeps going', async () => {
    const clock = new ManualClock();
    const discovery = new ScriptedDiscovery();
    discovery.error = new Error('unreachable');
    const lb = new LoadBalancer({ discovery, discoveryIntervalMs: 50, clock, scheduler: clock });
    const errors: string[] = [];
    lb.onError((e) => errors.push(e.kind));
    lb.start();
    await settle();
    clock.advance(50);
    await settle();
    expect(errors).toEqual(['InternalError', 'InternalError']);
    discovery.error = undefined;
    discovery.result = { backends: [Backend.parse('10.0.0.9:80')] };
    clock.advance(50);
    await settle();
    expect(lb.select()?.addr).toBe('10.0.0.9:80');
    await lb.stop();
    expect(clock.armed).toBe(0);
  });

  it('runs on real timers against a real server and stops cleanly', async () => {
    const server = await tcpPeer();
    const lb = new LoadBalancer({
      backends: [new Backend('127.0.0.1', server.port)],
      algorithm: 'power-of-two-choices',
      random: seededRandom(1),
      healthCheck: new TcpHealthCheck({
        healthyThreshold: 1,
        unhealthyThreshold: 1,
        timeoutMs: 500,
      }),
      healthCheckIntervalMs: 20,
    });
    const changes: boolean[] = [];
    lb.onHealthChange((e) => changes.push(e.healthy));
    try {
      lb.start();
      await server.stop();
      for (let i = 0; i < 200 && changes.length < 1; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(changes).toEqual([false]);
      expect(lb.select()).toBeUndefined();
      await server.restart();
      for (let i = 0; i < 200 && changes.length < 2; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(changes).toEqual([false, true]);
      expect(lb.select()?.port).toBe(server.port);
    } finally {
      await lb.stop();
      await server.stop();
    }
  });
});
