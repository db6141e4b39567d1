// Lookups per second of Continuum, string keys and byte keys, against the absolute goal
// (5M lookups/s) and against a plain implementation of the same ring: node:zlib's crc32 on the
// key (encoding strings with Buffer.from) and a binary search over a sorted array of points.
import { crc32 as zlibCrc32 } from 'node:zlib';
import { type Bucket, Continuum } from '@pingora-ts/ketama';
import { type BenchRow, compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const KEYS = 4096;
const PASSES = 100; // lookups per sample: KEYS * PASSES

function servers(count: number, weight: (i: number) => number): Bucket[] {
  return Array.from({ length: count }, (_, i) => ({
    addr: `10.0.${i >> 8}.${i & 255}:8080`,
    weight: weight(i),
  }));
}

// Typical proxy keys: request paths with an id, 20-40 bytes.
const stringKeys = Array.from(
  { length: KEYS },
  (_, i) => `/api/v1/users/${(i * 2654435761) >>> 0}/profile?page=${i % 7}`,
);
const byteKeys = stringKeys.map((k) => new TextEncoder().encode(k));

/** The plain ring: sorted points in a Uint32Array, owners alongside, binary search per lookup. */
function naiveRing(ring: Continuum): (key: Uint8Array | string) => number {
  const hashes = new Uint32Array(ring.pointCount);
  const owners = new Uint32Array(ring.pointCount);
  for (let p = 0; p < ring.pointCount; p++) {
    hashes[p] = ring.pointHash(p);
    owners[p] = ring.pointNode(p);
  }
  return (key) => {
    const hash = zlibCrc32(typeof key === 'string' ? Buffer.from(key) : key);
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return owners[lo === hashes.length ? 0 : lo]!;
  };
}

let sink = 0;
function loop<K>(keys: readonly K[], lookup: (key: K) => number): () => number {
  return () => {
    let acc = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      for (let i = 0; i < keys.length; i++) acc += lookup(keys[i]!);
    }
    sink ^= acc;
    return keys.length * PASSES;
  };
}

const rows: BenchRow[] = [];
const shapes: [string, Bucket[]][] = [
  ['5 servers', servers(5, (i) => [1, 3, 2, 5, 1][i]!)],
  ['17 servers', servers(17, (i) => ((i * 7) % 9) + 1)],
  ['100 servers x weight 10', servers(100, () => 10)],
];
for (const [label, buckets] of shapes) {
  const ring = new Continuum(buckets);
  const naive = naiveRing(ring);
  for (let i = 0; i < KEYS; i++) {
    if (naive(stringKeys[i]!) !== ring.node(stringKeys[i]!)) throw new Error('rings disagree');
  }
  const ops = await compareOps(
    {
      string: loop(stringKeys, (k) => ring.node(k)),
      bytes: loop(byteKeys, (k) => ring.node(k)),
      naiveString: loop(stringKeys, naive),
      naiveBytes: loop(byteKeys, naive),
    },
    { rounds: 9, warmup: 3 },
  );
  const points = `${label}, ${ring.pointCount} points`;
  rows.push(row(`node(string) ${points}`, 'lookups/s', ops.string, 'goal 5M/s', 5e6, 1));
  rows.push(row(`node(bytes) ${points}`, 'lookups/s', ops.bytes, 'goal 5M/s', 5e6, 1));
  rows.push(
    row(
      `node(string) ${label}`,
      'lookups/s',
      ops.string,
      'zlib.crc32 + binary search',
      ops.naiveString,
    ),
  );
  rows.push(
    row(
      `node(bytes) ${label}`,
      'lookups/s',
      ops.bytes,
      'zlib.crc32 + binary search',
      ops.naiveBytes,
    ),
  );
}
report('ketama', 'lookup', rows);
if (sink === 0.5) console.log(sink); // keeps the lookups observable
