import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLevels, formatLevelTable, TABLE_END, TABLE_START } from '../check-levels.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'scripts', 'check-levels.mjs');

interface FixturePackage {
  level?: number;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  files?: Record<string, string>;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes a small workspace of packages/<name> folders into a temporary directory. */
function fixture(packages: Record<string, FixturePackage>): string {
  const dir = mkdtempSync(join(tmpdir(), 'levels-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
  for (const [name, pkg] of Object.entries(packages)) {
    const pdir = join(dir, 'packages', name);
    mkdirSync(join(pdir, 'src'), { recursive: true });
    writeFileSync(
      join(pdir, 'package.json'),
      JSON.stringify({
        name: `@fx/${name}`,
        ...(pkg.level === undefined ? {} : { pingora: { level: pkg.level } }),
        dependencies: pkg.dependencies ?? {},
        devDependencies: pkg.devDependencies ?? {},
      }),
    );
    for (const [file, text] of Object.entries(pkg.files ?? { 'src/index.ts': 'export {};\n' })) {
      mkdirSync(dirname(join(pdir, file)), { recursive: true });
      writeFileSync(join(pdir, file), text);
    }
  }
  return dir;
}

function runCli(dir: string): { status: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [script, dir], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { status: 0, output };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: err.stdout + err.stderr };
  }
}

describe('level check', () => {
  it('passes a workspace whose imports all point down, and groups packages by level', () => {
    const dir = fixture({
      base: { level: 0 },
      mid: {
        level: 1,
        dependencies: { '@fx/base': 'workspace:*' },
        files: { 'src/index.ts': "import { x } from '@fx/base';\nexport const y = x;\n" },
      },
    });
    const { status, output } = runCli(dir);
    expect(status).toBe(0);
    expect(output).toContain('level 0: @fx/base');
    expect(output).toContain('level 1: @fx/mid');
  });

  it('fails a deliberately upward import with file:line and both package names', () => {
    const dir = fixture({
      low: {
        level: 0,
        dependencies: {},
        files: {
          'src/index.ts':
            "// a comment naming '@fx/high' is not an import\nexport {};\nimport { h } from '@fx/high';\n",
        },
      },
      high: { level: 2 },
    });
    const { status, output } = runCli(dir);
    expect(status).toBe(1);
    expect(output).toContain(
      'packages/low/src/index.ts:3: @fx/low (level 0) imports @fx/high (level 2); a package may only use packages of a lower level',
    );
    expect(output).toContain(
      'packages/low/src/index.ts:3: @fx/low imports @fx/high, which its package.json does not declare',
    );
    expect(output).not.toContain('index.ts:1');
  });

  it('fails a same-level dependency, a missing level and a cycle', () => {
    const dir = fixture({
      a: {
        level: 1,
        dependencies: { '@fx/b': 'workspace:*' },
        files: { 'src/index.ts': "export * from '@fx/b';\n" },
      },
      b: {
        level: 1,
        dependencies: { '@fx/a': 'workspace:*' },
        files: { 'src/index.ts': "const a = await import('@fx/a');\nexport { a };\n" },
      },
      nolevel: {},
    });
    const { problems } = checkLevels(dir) as { problems: string[] };
    expect(problems).toContain(
      'packages/a/src/index.ts:1: @fx/a (level 1) imports @fx/b (level 1); a package may only use packages of a lower level',
    );
    expect(problems).toContain(
      'packages/b/src/index.ts:1: @fx/b (level 1) imports @fx/a (level 1); a package may only use packages of a lower level',
    );
    expect(problems).toContain(
      'packages/nolevel/package.json: @fx/nolevel declares no level ("pingora": { "level": N })',
    );
    expect(problems.some((p) => p.startsWith('cycle: @fx/a -> @fx/b -> @fx/a'))).toBe(true);
  });

  it('lets tests use devDependencies but not src', () => {
    const dir = fixture({
      base: { level: 0 },
      top: {
        level: 3,
        devDependencies: { '@fx/base': 'workspace:*' },
        files: {
          'src/index.ts': "import '@fx/base';\n",
          'test/index.test.ts': "import { x } from '@fx/base';\n",
        },
      },
    });
    const { problems } = checkLevels(dir) as { problems: string[] };
    expect(problems).toEqual([
      'packages/top/src/index.ts:1: @fx/top imports @fx/base, which its package.json does not declare in dependencies',
    ]);
  });

  it('passes on this repository, and ARCHITECTURE.md holds its current level table', () => {
    const { packages, problems } = checkLevels(root) as {
      packages: { name: string; dir: string; level: number }[];
      problems: string[];
    };
    expect(problems).toEqual([]);
    expect(packages.length).toBeGreaterThan(0);
    const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
    const start = text.indexOf(TABLE_START) + TABLE_START.length;
    const end = text.indexOf(TABLE_END);
    expect(text.slice(start, end).trim()).toBe(formatLevelTable(packages));
  });
});
