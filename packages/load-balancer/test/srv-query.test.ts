import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSrvReply, encodeQuery, querySrv } from '../src/discovery/srv-query.js';
import { DnsDiscovery } from '../src/index.js';
import { Dnsmasq } from './dnsmasq.js';
import { trackHandles } from './leak-check.js';

let checkHandles: () => Promise<void>;
beforeAll(() => {
  checkHandles = trackHandles();
});
afterAll(() => checkHandles());

const DOMAIN = 'srv.test';

/** A reply to `id` with `answers` (already encoded records after one question for `qname`). */
function reply(id: number, flags: number, qname: number[], answers: number[][]): Buffer {
  const header = [
    id >> 8,
    id & 0xff,
    flags >> 8,
    flags & 0xff,
    0,
    1,
    0,
    answers.length,
    0,
    0,
    0,
    0,
  ];
  return Buffer.from([...header, ...qname, 0, 33, 0, 1, ...answers.flat()]);
}
const QNAME = [4, ...Buffer.from('_web'), 4, ...Buffer.from('_tcp'), 1, 0x61, 0];

describe('SRV client: message codec', () => {
  it('encodes a recursive SRV query with an EDNS(0) OPT record', () => {
    const q = encodeQuery(0x1234, '_web._tcp.a.');
    expect([...q.subarray(0, 12)]).toEqual([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect([...q.subarray(12, 12 + QNAME.length)]).toEqual(QNAME);
    expect([...q.subarray(12 + QNAME.length, 16 + QNAME.length)]).toEqual([0, 33, 0, 1]);
    expect([...q.subarray(-11)]).toEqual([0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => encodeQuery(1, 'a..b')).toThrow(RangeError);
  });

  it('decodes answers with compressed owner names and targets, and clamps huge TTLs', () => {
    // Owner name: pointer to the question (offset 12). Target: "x" + pointer to "a" (offset 22).
    const srv = (ttl: number[], prio: number, weight: number, port: number) => [
      0xc0,
      12,
      0,
      33,
      0,
      1,
      ...ttl,
      0,
      10,
      prio >> 8,
      prio & 0xff,
      weight >> 8,
      weight & 0xff,
      port >> 8,
      port & 0xff,
      1,
      0x78,
      0xc0,
      22,
    ];
    const message = reply(7, 0x8180, QNAME, [
      srv([0, 0, 0, 30], 1, 5, 8080),
      srv([0x80, 0, 0, 0], 2, 0, 443),
    ]);
    expect(decodeSrvReply(message, 7)).toEqual([
      { priority: 1, weight: 5, port: 8080, name: 'x.a', ttl: 30 },
      { priority: 2, weight: 0, port: 443, name: 'x.a', ttl: 0 },
    ]);
  });

  it('treats NXDOMAIN as no records and rejects malformed replies', () => {
    expect(decodeSrvReply(reply(9, 0x8183, QNAME, []), 9)).toEqual([]);
    const bad: Array<[Buffer, number]> = [
      [Buffer.alloc(5), 1],
      [reply(1, 0x8180, QNAME, []), 2], // wrong id
      [reply(1, 0x0100, QNAME, []), 1], // a query, not a response
      [reply(1, 0x8182, QNAME, []), 1], // SERVFAIL
      [reply(1, 0x8180, QNAME, [[0xc0, 12, 0, 33]]), 1], // record cut short
      [reply(1, 0x8180, QNAME, [[0xc0, 40]]), 1], // pointer forwards
      [reply(1, 0x8180, [0xc0, 12], []), 1], // pointer to itself
    ];
    for (const [message, id] of bad) {
      expect(() => decodeSrvReply(message, id)).toThrow(/malformed DNS reply/);
    }
  });
});

describe('SRV client against a real dnsmasq', () => {
  let dns: Dnsmasq;
  const many = Array.from({ length: 80 }, (_, i) => ({
    name: `_big._tcp.${DOMAIN}`,
    target: `web.${DOMAIN}`,
    port: 10_000 + i,
    priority: 0,
    weight: 1,
  }));

  beforeAll(async () => {
    dns = await Dnsmasq.start(
      DOMAIN,
      [`127.0.0.60 web.${DOMAIN}`],
      [
        {
          name: `_one._tcp.${DOMAIN}`,
          target: `web.${DOMAIN}`,
          port: 8443,
          priority: 1,
          weight: 7,
        },
        ...many,
      ],
      3,
    );
  });
  afterAll(async () => {
    await dns?.stop();
  });

  it('gets SRV records with their TTL', async () => {
    const answers = await querySrv(`_one._tcp.${DOMAIN}`, [`127.0.0.1:${dns.port}`], 1_000);
    expect(answers).toEqual([
      { name: `web.${DOMAIN}`, port: 8443, priority: 1, weight: 7, ttl: 3 },
    ]);
    expect(await querySrv(`_none._tcp.${DOMAIN}`, [`127.0.0.1:${dns.port}`], 1_000)).toEqual([]);
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    // First show that the UDP answer is truncated (TC bit), so the TCP path is what ran.
    const udp = createSocket('udp4');
    const truncated = await new Promise<Buffer>((resolve) => {
      udp.on('message', (m) => resolve(m));
      udp.send(encodeQuery(42, `_big._tcp.${DOMAIN}`), dns.port, '127.0.0.1');
    });
    udp.close();
    expect(truncated.readUInt16BE(2) & 0x0200).toBe(0x0200);
    const answers = await querySrv(`_big._tcp.${DOMAIN}`, [`127.0.0.1:${dns.port}`], 2_000);
    expect(answers.map((a) => a.port).sort()).toEqual(many.map((m) => m.port));
    const discovery = new DnsDiscovery({
      name: `_big._tcp.${DOMAIN}`,
      type: 'SRV',
      servers: [`127.0.0.1:${dns.port}`],
    });
    const result = await discovery.discover();
    expect(result.backends).toHaveLength(80);
    expect(result.ttlMs).toBe(3_000);
  });

  it('tries the next server when one does not answer', async () => {
    const answers = await querySrv(
      `_one._tcp.${DOMAIN}`,
      ['127.0.0.1:9', `127.0.0.1:${dns.port}`],
      300,
    );
    expect(answers).toHaveLength(1);
    await expect(querySrv(`_one._tcp.${DOMAIN}`, ['127.0.0.1:9'], 200)).rejects.toMatchObject({
      kind: 'ConnectError',
    });
  });
});
