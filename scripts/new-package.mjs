#!/usr/bin/env node
// `pnpm new:package <name> <level> [description]`: writes the package template of STYLE.md
// (package.json with level, exports map and engines; tsconfig.json for typecheck,
// tsconfig.build.json for dist; vitest project; src/index.ts; test/; README.md).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [name, levelText, ...words] = process.argv.slice(2);
const level = Number(levelText);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name) || !Number.isInteger(level) || level < 0) {
  console.error('usage: pnpm new:package <name> <level> [description]');
  process.exit(2);
}
const description = words.join(' ') || `Pingora-TS ${name}`;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'packages', name);
if (existsSync(dir)) {
  console.error(`packages/${name} exists already`);
  process.exit(1);
}

const files = {
  'package.json': `${JSON.stringify(
    {
      name: `@pingora-ts/${name}`,
      version: '0.0.0',
      description,
      license: 'Apache-2.0',
      type: 'module',
      sideEffects: false,
      pingora: { level },
      engines: { node: '>=22.12' },
      exports: {
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './package.json': './package.json',
      },
      types: './dist/index.d.ts',
      files: ['dist', 'README.md'],
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        typecheck: 'tsc -p tsconfig.json',
        lint: 'biome check .',
        test: 'vitest run',
      },
      dependencies: {},
      devDependencies: {},
    },
    null,
    2,
  )}\n`,
  'tsconfig.json': `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, rootDir: '.' },
      include: ['src', 'test', 'bench'],
    },
    null,
    2,
  )}\n`,
  'tsconfig.build.json': `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    },
    null,
    2,
  )}\n`,
  'vitest.config.ts': `import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: '${name}', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
`,
  'src/index.ts': `/**
 * ${description}
 *
 * @packageDocumentation
 */
export {};
`,
  'README.md': `# @pingora-ts/${name}

${description}

\`\`\`ts
import {} from '@pingora-ts/${name}';
\`\`\`
`,
};

for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}
mkdirSync(join(dir, 'test'), { recursive: true });
console.log(
  `packages/${name} written (level ${level}); run pnpm install, then pnpm check:levels --write`,
);
