import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'memory-cache', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
