import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'http2', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
