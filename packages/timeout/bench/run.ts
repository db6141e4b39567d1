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
function pendingAbortSignal(): number {
  // AbortSignal.timeout cannot be cancelled: creating them is its whole cost here.
  const handles = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) handles[i] = AbortSignal.timeout(30_000 + i);
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
  { ours: pendingWheel, setTimeout: pendingNode, 'AbortSignal.timeout': pendingAbortSignal },
  { rounds: 7, warmup: 2 },
);
const cycles = await compareOps({ ours: cyclesWheel, setTimeout: cyclesNode }, { rounds: 7 });

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
const heap = {
  ours: heapPerTimer(() =>
    Array.from({ length: PENDING }, (_, i) => wheel.deadline(60_000 + i, noop)),
  ),
  setTimeout: heapPerTimer(() =>
    Array.from({ length: PENDING }, (_, i) => setTimeout(noop, 60_000 + i)),
  ),
  'AbortSignal.timeout': heapPerTimer(() =>
    Array.from({ length: PENDING }, (_, i) => AbortSignal.timeout(60_000 + i)),
  ),
};

report('timeout', 'timers', [
  row('create+cancel, 100k pending', 'timers/s', pending.ours, 'setTimeout', pending.setTimeout, 5),
  row(
    'create+cancel, 100k pending',
    'timers/s',
    pending.ours,
    'AbortSignal.timeout (create only)',
    pending['AbortSignal.timeout'],
    5,
  ),
  row('1M create/cancel cycles', 'cycles/s', cycles.ours, 'setTimeout', cycles.setTimeout, 5),
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
