// A deliberately naive model of nginx's consistent hash, written straight from the description
// of ngx_http_upstream_init_chash with node:zlib's CRC-32 (not ours): build every point with a
// fresh Buffer, sort with Array#sort (stable since ES2019), drop later duplicates, and look up
// by scanning all points. Slow and obviously right; the tests compare Continuum against it.
import { crc32 as zlibCrc32 } from 'node:zlib';

export interface LinearPoint {
  hash: number;
  server: number;
}

function nameParts(name: string): [Buffer, Buffer] {
  if (name.toLowerCase().startsWith('unix:')) return [Buffer.from(name.slice(5)), Buffer.alloc(0)];
  const match = /:(\d*)$/.exec(name);
  if (match) return [Buffer.from(name.slice(0, match.index)), Buffer.from(match[1]!)];
  return [Buffer.from(name), Buffer.alloc(0)];
}

export function linearPoints(servers: readonly { addr: string; weight: number }[]): LinearPoint[] {
  const points: LinearPoint[] = [];
  servers.forEach(({ addr, weight }, server) => {
    const [host, port] = nameParts(addr);
    let prev = 0;
    for (let j = 0; j < weight * 160; j++) {
      const le = Buffer.alloc(4);
      le.writeUInt32LE(prev);
      const hash = zlibCrc32(Buffer.concat([host, Buffer.from([0]), port, le]));
      points.push({ hash, server });
      prev = hash;
    }
  });
  points.sort((a, b) => a.hash - b.hash);
  return points.filter((p, i) => i === 0 || points[i - 1]!.hash !== p.hash);
}

export function linearLookup(points: readonly LinearPoint[], key: Uint8Array | string): number {
  if (points.length === 0) return -1;
  const hash = zlibCrc32(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
  for (const point of points) if (point.hash >= hash) return point.server;
  return points[0]!.server;
}
