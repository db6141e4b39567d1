import { describe, expect, it } from 'vitest';

describe('toolchain', () => {
  it('runs tests on Node >= 22 (the pinned Node 24 from node_modules/.bin)', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(22);
  });
});
