// The ring against a real nginx: the same servers, weights and keys through
// `hash $arg_k consistent` must pick the same server, every time.
import { Agent, get } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bucket, Continuum } from '../src/index.js';
import { POINTS_PER_WEIGHT, writeServerPoints } from '../src/server-points.js';
import { stableHashOrder } from '../src/stable-hash-order.js';
import { forgeKey, isQuerySafe } from './crc-forge.js';
import { type NameServers, startNameServers } from './name-servers.js';
import { findNginx, type RunningNginx, startNginx } from './nginx-process.js';

const RANDOM_KEYS = 10_000;
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

// Keys as raw bytes of the query argument (nginx hashes $arg_k undecoded): mostly printable
// ASCII, some with bytes >= 0x80, some with percent escapes that stay escaped.
const safeByte = fc.integer({ min: 0x21, max: 0x7e }).filter(isQuerySafe);
const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.array(safeByte, { minLength: 1, maxLength: 48 }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.oneof(safeByte, fc.integer({ min: 0x80, max: 0xff })), {
      minLength: 1,
      maxLength: 32,
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(
          safeByte.map((b) => [b]),
          fc.nat(255).map((b) => [...Buffer.from(`%${b.toString(16).padStart(2, '0')}`)]),
        ),
        { minLength: 1, maxLength: 16 },
      )
      .map((parts) => parts.flat()),
  },
);

function randomKeys(seed: number): Uint8Array[] {
  return fc.sample(keyArb, { seed, numRuns: RANDOM_KEYS }).map((bytes) => Uint8Array.from(bytes));
}

/** Keys aimed at edges: on a point, just above one, past the last point, at 0 and at 2^32-1. */
function edgeKeys(ring: Continuum): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const step = Math.max(1, Math.floor(ring.pointCount / 60));
  for (let p = 0; p < ring.pointCount; p += step) {
    keys.push(forgeKey(`on${p}`, ring.pointHash(p)));
    keys.push(forgeKey(`above${p}`, (ring.pointHash(p) + 1) >>> 0));
  }
  const last = ring.pointHash(ring.pointCount - 1);
  keys.push(forgeKey('on-last', last), forgeKey('wrap', (last + 1) >>> 0));
  keys.push(forgeKey('zero', 0), forgeKey('max', 0xffffffff));
  return keys;
}

/** Hashes where two different servers have a point: nginx keeps the earlier server's one. */
function crossServerTies(buckets: Bucket[]): { hash: number; winner: number; loser: number }[] {
  const total = buckets.reduce((sum, b) => sum + (b.weight ?? 1) * POINTS_PER_WEIGHT, 0);
  const hashes = new Uint32Array(total);
  const owners = new Uint32Array(total);
  let offset = 0;
  buckets.forEach((b, s) => {
    const end = writeServerPoints(b.addr, b.weight ?? 1, hashes, offset);
    owners.fill(s, offset, end);
    offset = end;
  });
  const order = stableHashOrder(hashes);
  const ties: { hash: number; winner: number; loser: number }[] = [];
  for (let k = 1; k < total; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    if (hashes[a] === hashes[b] && owners[a] !== owners[b]) {
      ties.push({ hash: hashes[a]!, winner: owners[a]!, loser: owners[b]! });
    }
  }
  return ties;
}

function upstreamBlock(name: string, buckets: Bucket[]): string {
  const servers = buckets.map((b) => `    server ${b.addr} weight=${b.weight};`).join('\n');
  return `  upstream ${name} {\n    hash $arg_k consistent;\n${servers}\n    keepalive 32;\n  }`;
}

/** Asks nginx for each path over keep-alive connections, `concurrency` at a time. */
async function askNginx(port: number, paths: string[], concurrency = 32): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const answers = new Array<string>(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      answers[i] = await new Promise<string>((resolve, reject) => {
        const request = get({ host: '127.0.0.1', port, path: paths[i], agent }, (response) => {
          let body = '';
          response.setEncoding('latin1');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve(response.statusCode === 200 ? body : `status ${response.statusCode}: ${body}`),
          );
          response.on('error', reject);
        });
        request.on('error', reject);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return answers;
}

interface Agreement {
  total: number;
  agreed: number;
  disagreements: string[];
}

async function compare(
  nginx: RunningNginx,
  upstream: string,
  ring: Continuum,
  keys: Uint8Array[],
): Promise<Agreement> {
  const answers = await askNginx(
    nginx.port,
    keys.map((k) => `/${upstream}?k=${latin1(k)}`),
  );
  const disagreements: string[] = [];
  keys.forEach((key, i) => {
    // ASCII keys go through the string path of the ring, the others through the bytes path.
    const ours = key.every((b) => b < 0x80) ? ring.nodeAddr(latin1(key)) : ring.nodeAddr(key);
    if (answers[i] !== ours) {
      disagreements.push(`${JSON.stringify(latin1(key))}: nginx ${answers[i]}, ring ${ours}`);
    }
  });
  return { total: keys.length, agreed: keys.length - disagreements.length, disagreements };
}

describe('agreement with nginx hash $arg_k consistent', () => {
  let servers: NameServers | undefined;
  let nginx: RunningNginx | undefined;
  let u5: Bucket[] = [];
  let u17: Bucket[] = [];
  let heavy: Bucket[] = [];

  beforeAll(async () => {
    findNginx(); // fails the suite with install instructions when nginx is missing
    servers = await startNameServers(17);
    const addrs = servers.addrs;
    u5 = addrs.slice(0, 5).map((addr, i) => ({ addr, weight: [1, 3, 2, 5, 1][i]! }));
    u17 = addrs.map((addr, i) => ({ addr, weight: ((i * 7) % 9) + 1 }));
    // About 200 weight units each: ~544k points, so a few dozen hashes are shared by two
    // servers and the tie rule gets tested against nginx too.
    heavy = addrs.map((addr, i) => ({ addr, weight: 150 + ((i * 13) % 100) }));
    // The key stays with nginx: a proxy_pass with a variable sends exactly the URI given
    // ("/name", no query), so the name servers never see raw key bytes their parser rejects.
    const location = (name: string) =>
      `    location = /${name} { proxy_pass http://${name}/name$no_args; proxy_http_version 1.1; ` +
      'proxy_set_header Connection ""; proxy_next_upstream off; }';
    nginx = await startNginx(
      [
        upstreamBlock('u5', u5),
        upstreamBlock('u17', u17),
        upstreamBlock('heavy', heavy),
        '  server {',
        '    listen 127.0.0.1:@PORT@;',
        '    keepalive_requests 1000000;',
        '    set $no_args "";',
        location('u5'),
        location('u17'),
        location('heavy'),
        '  }',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await servers?.close();
  });

  it('agrees on 10,000 random keys and the edge keys with 5 weighted servers', async () => {
    const ring = new Continuum(u5);
    const random = await compare(nginx!, 'u5', ring, randomKeys(5));
    const edges = await compare(nginx!, 'u5', ring, edgeKeys(ring));
    console.log(
      `u5: random ${random.agreed}/${random.total}, edges ${edges.agreed}/${edges.total}`,
    );
    expect(random.disagreements).toEqual([]);
    expect(edges.disagreements).toEqual([]);
    expect(random.agreed).toBe(RANDOM_KEYS);
  }, 120_000);

  it('agrees on 10,000 random keys and the edge keys with 17 weighted servers', async () => {
    const ring = new Continuum(u17);
    const random = await compare(nginx!, 'u17', ring, randomKeys(17));
    const edges = await compare(nginx!, 'u17', ring, edgeKeys(ring));
    console.log(
      `u17: random ${random.agreed}/${random.total}, edges ${edges.agreed}/${edges.total}`,
    );
    expect(random.disagreements).toEqual([]);
    expect(edges.disagreements).toEqual([]);
    expect(random.agreed).toBe(RANDOM_KEYS);
    // Every server gets some keys: the comparison is not trivially about one server.
    const chosen = new Set(randomKeys(17).map((k) => ring.node(k)));
    expect(chosen.size).toBe(17);
  }, 120_000);

  it('fails with install instructions where nginx is missing (it never skips)', () => {
    expect(() => findNginx(['/nonexistent/sbin/nginx'])).toThrow(/apt-get install nginx-light/);
  });

  it("shows why an empty key is the caller's business: nginx round-robins it", async () => {
    // ngx_http_upstream_get_chash_peer falls back to round robin when the key is empty; a
    // stateless ring cannot, so Continuum answers as Pingora does (CRC-32 0: the first point).
    const answers = await askNginx(
      nginx!.port,
      Array.from({ length: 24 }, () => '/u5?k='),
      1,
    );
    expect(new Set(answers).size).toBeGreaterThan(1);
    expect(new Continuum(u5).pointIndex('')).toBe(0);
  });

  it('gives shared point hashes to the server listed first, as nginx does', async () => {
    const ring = new Continuum(heavy);
    const ties = crossServerTies(heavy);
    expect(ties.length).toBeGreaterThan(0);
    const keys = ties.map((t) => forgeKey(`tie${t.hash}`, t.hash));
    keys.forEach((key, i) => {
      expect(ring.nodeAddr(key)).toBe(heavy[ties[i]!.winner]!.addr);
    });
    const onTies = await compare(nginx!, 'heavy', ring, keys);
    const random = await compare(nginx!, 'heavy', ring, randomKeys(544).slice(0, 2000));
    console.log(
      `heavy (${ring.pointCount} points): ties ${onTies.agreed}/${onTies.total}, random ${random.agreed}/${random.total}`,
    );
    expect(onTies.disagreements).toEqual([]);
    expect(random.disagreements).toEqual([]);
    expect(nginx!.log()).not.toMatch(/\[(error|crit|alert|emerg)\]/);
  }, 120_000);
});
