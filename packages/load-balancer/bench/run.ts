// Selections per second of every algorithm through LoadBalancer.select (all backends healthy,
// the proxy's hot path), with 3 and 100 backends. The anchor is round robin over the same
// backends in the same run: the cheapest possible choice, so each ratio is what an algorithm
// costs relative to it (ratio 0.5 = half as many selections per second as round robin).
import { ALGORITHMS, type AlgorithmName, Backend, LoadBalancer } from '@pingora-ts/load-balancer';
import { type BenchRow, compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const KEYS = 4096;
const PASSES = 50; // selections per sample: KEYS * PASSES

// Typical keys for the hash algorithms: request paths with an id.
const keys = Array.from(
  { length: KEYS },
  (_, i) => `/api/v1/users/${(i * 2654435761) >>> 0}/profile?page=${i % 7}`,
);

function backends(count: number): Backend[] {
  return Array.from(
    { length: count },
    (_, i) => new Backend(`10.0.${i >> 8}.${i & 255}`, 8080, (i % 4) + 1),
  );
}

let sink = 0;
function selections(lb: LoadBalancer): () => number {
  return () => {
    let acc = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      for (let i = 0; i < KEYS; i++) acc += lb.select(keys[i]!)!.port;
    }
    sink ^= acc;
    return KEYS * PASSES;
  };
}

const names = Object.keys(ALGORITHMS) as AlgorithmName[];
const rows: BenchRow[] = [];
for (const count of [3, 100]) {
  const list = backends(count);
  const candidates = Object.fromEntries(
    names.map((algorithm) => [
      algorithm,
      selections(new LoadBalancer({ backends: list, algorithm })),
    ]),
  ) as Record<AlgorithmName, () => number>;
  const ops = await compareOps(candidates, { rounds: 9, warmup: 2 });
  for (const algorithm of names) {
    rows.push(
      row(
        `${algorithm}, ${count} backends`,
        'selections/s',
        ops[algorithm],
        `round-robin, ${count} backends`,
        ops['round-robin'],
      ),
    );
  }
}
report('load-balancer', 'select', rows);
if (sink === 0.5) console.log(sink); // keeps the loops' results alive
