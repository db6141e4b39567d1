// All tinyufo benchmarks: the hit-ratio table (bench/hit-ratio.ts) and get/put throughput
// against lru-cache (bench/throughput.ts). `--quick` shortens the hit-ratio traces.
// Run: pnpm --filter @pingora-ts/tinyufo bench
import { runHitRatio } from './hit-ratio.ts';
import { runThroughput } from './throughput.ts';

runHitRatio(process.argv.includes('--quick'));
await runThroughput();
