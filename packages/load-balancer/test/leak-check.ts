// Tests own every socket, server, child process, watcher and timer they start; this checks
// that none is left once a file's tests are done.
import { expect } from 'vitest';

const OWNED = new Set([
  'TCPSocketWrap',
  'TCPServerWrap',
  'TLSWrap',
  'UDPWRAP',
  'ProcessWrap',
  'FSEventWrap',
  'StatWatcher',
  'Timeout',
]);

function counts(): Map<string, number> {
  const map = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) {
    if (OWNED.has(name)) map.set(name, (map.get(name) ?? 0) + 1);
  }
  return map;
}

/** Snapshot now; the returned function waits (bounded) until no more handles are open than then. */
export function trackHandles(): () => Promise<void> {
  const before = counts();
  return async () => {
    let extra: string[] = [];
    for (let i = 0; i < 100; i++) {
      extra = [];
      for (const [name, n] of counts()) {
        if (n > (before.get(name) ?? 0)) extra.push(`${name} x${n - (before.get(name) ?? 0)}`);
      }
      if (extra.length === 0) return;
      // Closing handles finish on the next turns of the event loop; a timer wheel disarms on its
      // next tick.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(extra, 'handles left open').toEqual([]);
  };
}
