// Shared by every package's bench/ (imported by relative path; it is tooling, not a package).
// One shape for every figure (DESIGN.md "Benchmarks"): each benchmark prints a table and writes
// bench-results/<package>/<benchmark>.json at the repository root as an array of rows
// { name, unit, ours, anchor, anchorValue, ratio, goal, better? }.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs each candidate `rounds` times, interleaved (A B C A B C ...), after `warmup` untimed
 * rounds. A candidate is a function that does some work and returns how many operations it
 * did (or a promise of it). Returns each candidate's median operations per second.
 * `settle`, when given, runs untimed before each candidate's turn: a full collection there
 * (`globalThis.gc` under `--expose-gc`) keeps one candidate's garbage from being collected in
 * the next one's time.
 */
export async function compareOps(candidates, { rounds = 7, warmup = 2, settle } = {}) {
  const names = Object.keys(candidates);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const name of names) {
      settle?.();
      const start = process.hrtime.bigint();
      const ops = await candidates[name]();
      const ns = Number(process.hrtime.bigint() - start);
      if (round >= warmup) samples[name].push((ops * 1e9) / ns);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

/** A row: `ours` against one anchor, with the ratio computed the right way round. */
export function row(name, unit, ours, anchor, anchorValue, goal, better = 'higher') {
  const ratio = better === 'lower' ? anchorValue / ours : ours / anchorValue;
  return {
    name,
    unit,
    ours,
    anchor,
    anchorValue,
    ratio,
    goal,
    ...(better === 'lower' ? { better: 'lower' } : {}),
  };
}

function fmt(value) {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

/** Prints the rows as a table and writes bench-results/<pkg>/<benchmark>.json. */
export function report(pkg, benchmark, rows) {
  const header = ['name', 'unit', 'ours', 'anchor', 'anchor value', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.name,
    r.unit + (r.better === 'lower' ? ' (lower is better)' : ''),
    fmt(r.ours),
    r.anchor,
    fmt(r.anchorValue),
    `${r.ratio.toFixed(2)}x`,
    r.goal === undefined ? '' : `${r.goal}x`,
    r.goal === undefined ? '' : r.ratio >= r.goal ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const out = [header, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  '));
  console.log(`\n${pkg} / ${benchmark}\n${out[0]}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const line of out.slice(1)) console.log(line);
  const file = join(root, 'bench-results', pkg, `${benchmark}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`-> ${file.slice(root.length + 1)}`);
}
