// Each test file closes every socket, server and timer it opens; this fails the file when it
// ends with more of them open than it started with.
import { afterAll, beforeAll, expect } from 'vitest';

const KINDS = new Set(['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout']);

function openHandles(): Map<string, number> {
  const open = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (KINDS.has(kind)) open.set(kind, (open.get(kind) ?? 0) + 1);
  }
  return open;
}

/** Registers the before/after hooks of the check. */
export function expectNoLeakedHandles(): void {
  let before = new Map<string, number>();
  beforeAll(() => {
    before = openHandles();
  });
  afterAll(async () => {
    let leaked: string[] = [];
    // Sockets report 'close' a few event-loop turns after destroy().
    for (let attempt = 0; attempt < 100; attempt++) {
      const now = openHandles();
      leaked = [...now]
        .filter(([kind, n]) => n > (before.get(kind) ?? 0))
        .map(([kind, n]) => `${kind} x${n - (before.get(kind) ?? 0)}`);
      if (leaked.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(leaked, 'handles left open').toEqual([]);
  });
}
