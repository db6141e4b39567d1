import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'load-balancer', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
