// Every test file owns the sockets, servers, child processes and timers it starts; this
// checks, once a file's tests are done, that none of them is still open.
import { afterAll, beforeAll, expect } from 'vitest';

const KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'ProcessWrap', 'PipeWrap', 'Timeout'];

function openHandles(): Record<string, number> {
  const open: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (KINDS.includes(kind)) open[kind] = (open[kind] ?? 0) + 1;
  }
  return open;
}

/** Registers hooks that fail the file when it ends with more handles open than it began. */
export function expectNoLeakedHandles(): void {
  let before: Record<string, number> = {};
  beforeAll(() => {
    before = openHandles();
  });
  afterAll(async () => {
    let leaked: string[] = [];
    // Closing takes a few turns of the event loop (a killed child reports its exit later).
    for (let attempt = 0; attempt < 100; attempt++) {
      const now = openHandles();
      leaked = Object.keys(now)
        .filter((k) => now[k]! > (before[k] ?? 0))
        .map((k) => `${k} x${now[k]! - (before[k] ?? 0)}`);
      if (leaked.length === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(leaked, 'handles left open').toEqual([]);
  });
}
