// `pnpm bench [--quick] [--only <text>]`: every package's micro benchmarks, then the end-to-end
// matrix of apps/bench (writes bench-results/report.md, .json and .svg). With --quick only the
// matrix runs, in its short form, so that the quick mode stays under two minutes; the package
// benchmarks alone take about eight.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const run = (command, commandArgs) =>
  spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (!args.includes('--quick')) {
  // turbo comes from node_modules/.bin, which pnpm puts on the PATH of its scripts.
  const status = run('turbo', ['run', 'bench', '--concurrency=1']);
  if (status !== 0) process.exit(status);
}
process.exit(run(process.execPath, ['apps/bench/dist/run.js', ...args]));
