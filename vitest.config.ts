import { defineConfig } from 'vitest/config';

// One vitest project per workspace package (each has its own vitest.config.ts), plus the
// repository's own scripts (level check, toolchain, README examples).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'scripts'],
  },
});
