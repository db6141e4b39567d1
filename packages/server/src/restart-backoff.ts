/**
 * Delay before restarting a crashed worker: `initialMs`, doubling with every crash that comes
 * soon after the previous restart, up to `maxMs`. A worker that stayed up for `stableMs` is
 * taken as healthy again, and its next crash restarts after `initialMs`. This keeps a worker
 * that crashes at start from spinning a core, and restarts a rare crash at once.
 */
export class RestartBackoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    // A worker up for 30 s got past its start: its crash is not a crash loop.
    private readonly stableMs = 30_000,
  ) {}

  /** The delay before the next restart, given how long the crashed worker had been up. */
  nextDelay(uptimeMs: number): number {
    if (uptimeMs >= this.stableMs) this.attempt = 0;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    if (delay < this.maxMs) this.attempt++;
    return delay;
  }
}
