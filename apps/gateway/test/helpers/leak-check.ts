// Every socket, server, child process, watcher and timer a test starts is its own to close:
// this compares the handles open at the end of a file with those open at its start.
import { expect } from 'vitest';

const OWNED = new Set([
  'TCPSocketWrap',
  'TCPServerWrap',
  'TLSWrap',
  'UDPWRAP',
  'ProcessWrap',
  'FSEventWrap',
  'Timeout',
]);

function counts(): Map<string, number> {
  const map = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) {
    if (OWNED.has(name)) map.set(name, (map.get(name) ?? 0) + 1);
  }
  return map;
}

/** Takes a snapshot; the function returned waits (bounded) until no more handles are open than then. */
export function trackHandles(): () => Promise<void> {
  const before = counts();
  return async () => {
    let extra: string[] = [];
    for (let i = 0; i < 100; i++) {
      extra = [];
      for (const [name, n] of counts()) {
        const more = n - (before.get(name) ?? 0);
        if (more > 0) extra.push(`${name} x${more}`);
      }
      if (extra.length === 0) return;
      // Closing handles finish on later turns of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(extra, 'handles left open').toEqual([]);
  };
}
