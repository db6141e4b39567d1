// The end-to-end report: bench-results/report.md (tables), report.json (every figure with its
// anchor and ratio) and report.svg (requests/s per row and contender, as bars).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { OUR_NODE_FLAGS } from './processes.js';

/** One contender's medians in one row. */
export interface Cell {
  contender: string;
  isNode: boolean;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuSecondsPer10k: number;
  peakRssMb: number;
  errors: number;
  vsNginx: number;
  vsBestNode: number | undefined;
}

/** One row of the matrix. */
export interface RowResult {
  row: string;
  generator: string;
  cells: Cell[];
  note?: string;
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const kilo = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

function machine() {
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

/** The micro-benchmark figures every package wrote (bench-results/<pkg>/<bench>.json). */
function packageFigures(root: string): { pkg: string; bench: string; rows: unknown[] }[] {
  const out: { pkg: string; bench: string; rows: unknown[] }[] = [];
  for (const pkg of readdirSync(root, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    for (const file of readdirSync(join(root, pkg.name))) {
      if (!file.endsWith('.json')) continue;
      try {
        out.push({
          pkg: pkg.name,
          bench: file.slice(0, -5),
          rows: JSON.parse(readFileSync(join(root, pkg.name, file), 'utf8')),
        });
      } catch {
        // a half-written file from an interrupted run
      }
    }
  }
  return out;
}

function svg(rows: RowResult[]): string {
  const names = [...new Set(rows.flatMap((r) => r.cells.map((c) => c.contender)))];
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];
  const rowHeight = 22 * names.length + 30;
  const width = 900;
  const left = 230;
  const height = rows.length * rowHeight + 60;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Requests per second (higher is better), one process or worker each</text>`,
  ];
  rows.forEach((r, i) => {
    const y0 = 40 + i * rowHeight;
    const max = Math.max(...r.cells.map((c) => c.rps), 1);
    parts.push(`<text x="10" y="${y0 + 14}" font-weight="bold">${r.row}</text>`);
    r.cells.forEach((c, j) => {
      const y = y0 + 20 + j * 22;
      const w = ((width - left - 90) * c.rps) / max;
      const color = colors[names.indexOf(c.contender) % colors.length];
      parts.push(`<text x="20" y="${y + 13}">${c.contender}</text>`);
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="16" fill="${color}"/>`,
      );
      parts.push(
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 13}">${kilo(c.rps)} (${fixed(c.vsNginx, 2)}x nginx)</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes report.md, report.json and report.svg under `dir`; returns the markdown. */
export function writeReport(dir: string, rows: RowResult[], mode: string): string {
  mkdirSync(dir, { recursive: true });
  const facts = machine();
  const figures = packageFigures(dir);
  const lines = [
    '# Pingora-TS benchmark report',
    '',
    `${facts.date}, Node ${facts.node}, ${facts.cpus} cores (${facts.cpuModel}), ${facts.memoryGiB} GiB, mode: ${mode}.`,
    'Each contender is one process or worker, pinned to core 0 where taskset exists; the nginx backend and the load generator share core 1. Runs are interleaved (A B C A B C ...) after an unkept warm-up of each contender, and each figure is the median of the rounds.',
    `As their READMEs recommend, the pingora-ts proxy runs with \`${OUR_NODE_FLAGS.proxy.join(' ')}\` (\`${OUR_NODE_FLAGS.proxyHttp2.join(' ')}\` in the HTTP/2 row) and the gateway with \`${OUR_NODE_FLAGS.gateway.join(' ')}\`, not V8's young generation of 2 x 64 MB here; the other Node contenders run with Node's defaults.`,
    '',
  ];
  for (const r of rows) {
    lines.push(`## ${r.row} (${r.generator})`, '');
    if (r.note !== undefined) lines.push(r.note, '');
    lines.push(
      '| contender | req/s | p50 ms | p99 ms | CPU s / 10k req | peak RSS MB | vs nginx | vs best Node peer | errors |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const c of r.cells) {
      lines.push(
        `| ${c.contender} | ${kilo(c.rps)} | ${fixed(c.p50Ms, 2)} | ${fixed(c.p99Ms, 2)} | ${fixed(c.cpuSecondsPer10k, 3)} | ${fixed(c.peakRssMb)} | ${fixed(c.vsNginx, 2)}x | ${c.vsBestNode === undefined ? '-' : `${fixed(c.vsBestNode, 2)}x`} | ${c.errors} |`,
      );
    }
    lines.push('');
  }
  if (figures.length > 0) {
    lines.push(
      '## Package micro-benchmarks',
      '',
      '| package | benchmark | figure | ours | anchor | ratio | goal |',
      '|---|---|---|---|---|---|---|',
    );
    for (const f of figures) {
      for (const raw of f.rows as {
        name: string;
        ours: number;
        anchor: string;
        anchorValue: number;
        ratio: number;
        goal?: number;
        unit: string;
      }[]) {
        lines.push(
          `| ${f.pkg} | ${f.bench} | ${raw.name} | ${kilo(raw.ours)} ${raw.unit} | ${raw.anchor} ${kilo(raw.anchorValue)} | ${fixed(raw.ratio, 2)}x | ${raw.goal === undefined ? '' : `${raw.goal}x`} |`,
        );
      }
    }
    lines.push('');
  }
  const md = lines.join('\n');
  writeFileSync(join(dir, 'report.md'), md);
  writeFileSync(
    join(dir, 'report.json'),
    `${JSON.stringify({ machine: facts, mode, endToEnd: rows, packages: figures }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'report.svg'), svg(rows));
  return md;
}
