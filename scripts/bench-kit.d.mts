/** One figure of a benchmark (DESIGN.md "Benchmarks"). */
export interface BenchRow {
  name: string;
  unit: string;
  ours: number;
  anchor: string;
  anchorValue: number;
  ratio: number;
  goal?: number;
  better?: 'lower';
}
/** Runs candidates interleaved; each returns the number of operations it did. Median ops/s each. */
export function compareOps<K extends string>(
  candidates: Record<K, () => number | Promise<number>>,
  /** `settle` runs untimed before each candidate's turn (a full collection, say). */
  options?: { rounds?: number; warmup?: number; settle?: () => void },
): Promise<Record<K, number>>;
/** A row with the ratio computed the right way round for `better`. */
export function row(
  name: string,
  unit: string,
  ours: number,
  anchor: string,
  anchorValue: number,
  goal?: number,
  better?: 'higher' | 'lower',
): BenchRow;
/** Prints a table and writes bench-results/<pkg>/<benchmark>.json. */
export function report(pkg: string, benchmark: string, rows: BenchRow[]): void;
