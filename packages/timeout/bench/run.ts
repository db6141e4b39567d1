// Timer wheel vs Node's timers: create-and-cancel of 100k pending deadlines, 1M create/cancel
// cycles, and heap per pending timer. Run: pnpm --filter @pingora-ts/timeout bench
// (node --expose-gc, so heap figures are taken after a full collection).
import { TimerWheel } from '@pingora-ts/timeout';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const noop = () => {};
const wheel = new TimerWheel({ tickMs: 10 });
const PENDING = 100_000;
const CYCLES = 1_000_000;
const ROUNDS = 9;

// Node keeps one list per distinct duration: distinct durations (deadlines armed at different
// moments for different work) are its slow case, one shared duration its fast case. Both shown.
function pendingWheel(): number {
  const handles = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) handles[i] = wheel.deadline(30_000 + i, noop);
  for (let i = 0; i < PENDING; i++) handles[i].cancel();
  return PENDING;
}
function pendingNode(): number {
  const handles = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) handles[i] = setTimeout(noop, 30_000 + i);
  for (let i = 0; i < PENDING; i++) clearTimeout(handles[i]);
  return PENDING;
}
function pendingWheelSame(): number {
  const handles = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) handles[i] = wheel.deadline(30_000, noop);
  for (let i = 0; i < PENDING; i++) handles[i].cancel();
  return PENDING;
}
function pendingNodeSame(): number {
  const handles = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) handles[i] = setTimeout(noop, 30_000);
  for (let i = 0; i < PENDING; i++) clearTimeout(handles[i]);
  return PENDING;
}
function cyclesWheel(): number {
  for (let i = 0; i < CYCLES; i++) wheel.deadline(5_000, noop).cancel();
  return CYCLES;
}
function cyclesNode(): number {
  for (let i = 0; i < CYCLES; i++) clearTimeout(setTimeout(noop, 5_000));
  return CYCLES;
}

const pending = await compareOps(
  {
    ours: pendingWheel,
    setTimeout: pendingNode,
    oursSame: pendingWheelSame,
    setTimeoutSame: pendingNodeSame,
  },
  { rounds: ROUNDS, warmup: 2 },
);
const cycles = await compareOps({ ours: cyclesWheel, setTimeout: cyclesNode }, { rounds: ROUNDS });

/**
 * AbortSignal.timeout cannot be cancelled, only dropped, and pending ones hold ~840 bytes each,
 * so they are created in batches of 100k with 1-64 ms timeouts and left to fire (and be
 * collected) between batches, out of the other candidates' way. Only the creating is timed:
 * the firing and collecting are free to it. Median creations per second of `rounds` runs.
 */
async function abortSignalCreations(total: number, rounds: number): Promise<number> {
  const BATCH = 100_000;
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let ns = 0;
    for (let done = 0; done < total; done += BATCH) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < BATCH; i++) AbortSignal.timeout(1 + (i & 63));
      ns += Number(process.hrtime.bigint() - start);
      await new Promise((resolve) => setTimeout(resolve, 80));
      gc();
    }
    samples.push((total * 1e9) / ns);
  }
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1]!;
}
const abortPending = await abortSignalCreations(PENDING, 5);
const abortCycles = await abortSignalCreations(CYCLES, 3);

/** Heap bytes per pending timer, measured after a full collection with PENDING alive. */
function heapPerTimer(create: () => unknown[]): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const alive = create();
  gc();
  const after = process.memoryUsage().heapUsed;
  const bytes = (after - before) / PENDING;
  if (alive.length !== PENDING) throw new Error('lost handles');
  return bytes;
}
function median3(measure: () => number): number {
  const samples = [measure(), measure(), measure()].sort((a, b) => a - b);
  return samples[1]!;
}
const heap = {
  ours: median3(() => {
    const bytes = heapPerTimer(() =>
      Array.from({ length: PENDING }, (_, i) => wheel.deadline(60_000 + i, noop)),
    );
    wheel.close();
    return bytes;
  }),
  setTimeout: median3(() => {
    let handles: NodeJS.Timeout[] = [];
    const bytes = heapPerTimer(() => {
      handles = Array.from({ length: PENDING }, (_, i) => setTimeout(noop, 60_000 + i));
      return handles;
    });
    for (const h of handles) clearTimeout(h);
    return bytes;
  }),
  'AbortSignal.timeout': heapPerTimer(() =>
    Array.from({ length: PENDING }, (_, i) => AbortSignal.timeout(60_000 + i)),
  ),
};

report('timeout', 'timers', [
  row(
    'create+cancel, 100k pending, distinct durations',
    'timers/s',
    pending.ours,
    'setTimeout',
    pending.setTimeout,
    5,
  ),
  row(
    'create+cancel, 100k pending, one duration',
    'timers/s',
    pending.oursSame,
    'setTimeout',
    pending.setTimeoutSame,
    5,
  ),
  row(
    'create+cancel, 100k pending',
    'timers/s',
    pending.ours,
    'AbortSignal.timeout (create only)',
    abortPending,
    5,
  ),
  row('1M create/cancel cycles', 'cycles/s', cycles.ours, 'setTimeout', cycles.setTimeout, 5),
  row(
    '1M create/cancel cycles',
    'cycles/s',
    cycles.ours,
    'AbortSignal.timeout (create only)',
    abortCycles,
    5,
  ),
  row('heap per pending timer', 'bytes', heap.ours, 'setTimeout', heap.setTimeout, 1, 'lower'),
  row(
    'heap per pending timer',
    'bytes',
    heap.ours,
    'AbortSignal.timeout',
    heap['AbortSignal.timeout'],
    1,
    'lower',
  ),
]);
wheel.close();
process.exit(0);
