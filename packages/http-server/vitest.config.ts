import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'http-server',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    execArgv: ['--expose-gc'],
  },
});
