import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'http-parser', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
