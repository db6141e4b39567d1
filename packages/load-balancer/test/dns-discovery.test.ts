import { ManualClock } from '@pingora-ts/timeout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsDiscovery, LoadBalancer } from '../src/index.js';
import { Dnsmasq } from './dnsmasq.js';
import { trackHandles } from './leak-check.js';

let checkHandles: () => Promise<void>;
beforeAll(() => {
  checkHandles = trackHandles();
});
afterAll(() => checkHandles());

const DOMAIN = 'svc.test';
const SRV = [
  { name: `_http._tcp.${DOMAIN}`, target: `web1.${DOMAIN}`, port: 8081, priority: 0, weight: 5 },
  { name: `_http._tcp.${DOMAIN}`, target: `web2.${DOMAIN}`, port: 8082, priority: 0, weight: 0 },
  { name: `_http._tcp.${DOMAIN}`, target: `backup.${DOMAIN}`, port: 9000, priority: 10, weight: 1 },
];
const HOSTS = [
  `127.0.0.10 api.${DOMAIN}`,
  `127.0.0.11 api.${DOMAIN}`,
  `fd00::10 api.${DOMAIN}`,
  `fd00::20 v6only.${DOMAIN}`,
  `127.0.0.21 web1.${DOMAIN}`,
  `127.0.0.22 web2.${DOMAIN}`,
  `127.0.0.30 backup.${DOMAIN}`,
];

describe('DnsDiscovery against a real dnsmasq', () => {
  let dns: Dnsmasq;
  let servers: string[];

  beforeAll(async () => {
    dns = await Dnsmasq.start(DOMAIN, HOSTS, SRV, 2);
    servers = [`127.0.0.1:${dns.port}`];
  });
  afterAll(async () => {
    await dns?.stop();
  });

  const addrs = (list: readonly { addr: string }[]) => list.map((b) => b.addr).sort();

  it('resolves A, AAAA and both, with the records TTL', async () => {
    const a = await new DnsDiscovery({
      name: `api.${DOMAIN}`,
      type: 'A',
      port: 8080,
      servers,
    }).discover();
    expect(addrs(a.backends)).toEqual(['127.0.0.10:8080', '127.0.0.11:8080']);
    expect(a.ttlMs).toBe(2_000); // --local-ttl=2
    expect(a.backends[0]?.metadata).toEqual({ dnsName: `api.${DOMAIN}` });
    const v6 = await new DnsDiscovery({
      name: `api.${DOMAIN}`,
      type: 'AAAA',
      port: 8080,
      servers,
    }).discover();
    expect(addrs(v6.backends)).toEqual(['[fd00::10]:8080']);
    const both = await new DnsDiscovery({
      name: `api.${DOMAIN}`,
      port: 443,
      weight: 2,
      servers,
    }).discover();
    expect(addrs(both.backends)).toEqual(['127.0.0.10:443', '127.0.0.11:443', '[fd00::10]:443']);
    expect(both.backends.every((b) => b.weight === 2)).toBe(true);
  });

  it('gives an empty set for names without such records, with the TTL floor', async () => {
    const none = await new DnsDiscovery({
      name: `missing.${DOMAIN}`,
      type: 'A',
      port: 1,
      servers,
    }).discover();
    expect(none.backends).toEqual([]);
    expect(none.ttlMs).toBe(1_000);
    const noA = await new DnsDiscovery({
      name: `v6only.${DOMAIN}`,
      type: 'A',
      port: 1,
      servers,
    }).discover();
    expect(noA.backends).toEqual([]);
  });

  it('resolves SRV: the lowest priority only, ports and weights from the records', async () => {
    const srv = await new DnsDiscovery({
      name: `_http._tcp.${DOMAIN}`,
      type: 'SRV',
      servers,
    }).discover();
    expect(srv.backends.map((b) => [b.addr, b.weight]).sort()).toEqual([
      ['127.0.0.21:8081', 5],
      ['127.0.0.22:8082', 1], // SRV weight 0 counts as 1
    ]);
    expect(srv.backends.find((b) => b.port === 8081)?.metadata).toEqual({
      dnsName: `_http._tcp.${DOMAIN}`,
      srvTarget: `web1.${DOMAIN}`,
      srvPriority: 0,
    });
    expect(srv.ttlMs).toBe(2_000);
  });

  it('caches an answer for its TTL and queries again once it is over', async () => {
    const clock = new ManualClock();
    const discovery = new DnsDiscovery({
      name: `cache.${DOMAIN}`,
      type: 'A',
      port: 80,
      servers,
      clock,
    });
    dns.writeHosts([...HOSTS, `127.0.0.40 cache.${DOMAIN}`]);
    await dns.reload({ name: `cache.${DOMAIN}`, has: '127.0.0.40' });
    expect(addrs((await discovery.discover()).backends)).toEqual(['127.0.0.40:80']);
    dns.writeHosts([...HOSTS, `127.0.0.41 cache.${DOMAIN}`]);
    await dns.reload({ name: `cache.${DOMAIN}`, has: '127.0.0.41' });
    clock.advance(1_999);
    const cached = await discovery.discover();
    expect(addrs(cached.backends)).toEqual(['127.0.0.40:80']); // TTL of 2 s not over yet
    expect(cached.ttlMs).toBe(1);
    clock.advance(1);
    expect(addrs((await discovery.discover()).backends)).toEqual(['127.0.0.41:80']);
  });

  it('fails with a PingoraError when the server does not answer, keeping the set', async () => {
    const lb = new LoadBalancer({
      discovery: new DnsDiscovery({
        name: `api.${DOMAIN}`,
        type: 'A',
        port: 80,
        servers: ['127.0.0.1:9'], // discard port: nothing answers
        queryTimeoutMs: 200,
      }),
    });
    await expect(lb.refresh()).rejects.toMatchObject({ kind: 'ConnectError' });
    expect(lb.backends.size).toBe(0);
  });

  it('a load balancer picks up a changed A record after the refresh interval', async () => {
    dns.writeHosts([...HOSTS, `127.0.0.50 live.${DOMAIN}`]);
    await dns.reload({ name: `live.${DOMAIN}`, has: '127.0.0.50' });
    const lb = new LoadBalancer({
      discovery: new DnsDiscovery({
        name: `live.${DOMAIN}`,
        type: 'A',
        port: 80,
        servers,
        minTtlMs: 100,
      }),
      discoveryIntervalMs: 200,
      minDiscoveryIntervalMs: 100,
    });
    const current = () => lb.backends.list.map((b) => b.addr).join(',');
    const until = async (want: string) => {
      for (let i = 0; i < 200 && current() !== want; i++)
        await new Promise((r) => setTimeout(r, 25));
    };
    try {
      lb.start();
      await until('127.0.0.50:80');
      expect(current()).toBe('127.0.0.50:80');
      dns.writeHosts([...HOSTS, `127.0.0.51 live.${DOMAIN}`, `127.0.0.52 live.${DOMAIN}`]);
      await dns.reload({ name: `live.${DOMAIN}`, has: '127.0.0.51' });
      await until('127.0.0.51:80,127.0.0.52:80');
      expect(current()).toBe('127.0.0.51:80,127.0.0.52:80');
    } finally {
      await lb.stop();
    }
  });

  it('a changed SRV record set is picked up after a restart of the server', async () => {
    const discovery = new DnsDiscovery({ name: `_http._tcp.${DOMAIN}`, type: 'SRV', servers });
    expect((await discovery.discover()).backends).toHaveLength(2);
    await dns.restartWith([SRV[2]!]); // only the backup is left
    discovery.invalidate(); // instead of waiting out the TTL
    const srv = await discovery.discover();
    expect(srv.backends.map((b) => b.addr)).toEqual(['127.0.0.30:9000']);
  });

  it('validates its options', () => {
    expect(() => new DnsDiscovery({ name: 'x', type: 'A' })).toThrow(RangeError);
    expect(() => new DnsDiscovery({ name: '' })).toThrow(TypeError);
    expect(() => new DnsDiscovery({ name: 'x', type: 'MX' as 'A', port: 1 })).toThrow(RangeError);
    expect(() => new DnsDiscovery({ name: 'x', port: 1, minTtlMs: 10, maxTtlMs: 5 })).toThrow(
      RangeError,
    );
  });
});
