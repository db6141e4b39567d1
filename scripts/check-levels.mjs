#!/usr/bin/env node
// The level check (see ARCHITECTURE.md): a workspace package may import only packages of a
// LOWER level. Every package declares `"pingora": { "level": N }` in its package.json. This
// reads each package's declared dependencies and the import specifiers in its src/, test/ and
// bench/ folders and reports, with file:line and both package names:
//   - a package with no level;
//   - a dependency or an import of a workspace package of the same or a higher level;
//   - an import of a workspace package that package.json does not declare (src/ must use
//     dependencies or peerDependencies; test/ and bench/ may also use devDependencies);
//   - a cycle among workspace packages.
// `--write` also rewrites the level table in ARCHITECTURE.md.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIRS = ['src', 'test', 'bench'];
const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js|tsx|jsx)$/;
// import x from 'p'; export * from 'p'; import 'p'; import('p'); require('p')
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/** Reads the `packages:` globs of pnpm-workspace.yaml (only `dir/*` and `dir` forms). */
function workspaceGlobs(root) {
  const file = join(root, 'pnpm-workspace.yaml');
  if (!existsSync(file)) return ['packages/*', 'apps/*'];
  const globs = [];
  let inPackages = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^packages\s*:/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const m = /^\s*-\s*['"]?([^'"#]+?)['"]?\s*(?:#.*)?$/.exec(line);
      if (m) globs.push(m[1]);
    }
  }
  return globs;
}

function packageDirs(root) {
  const dirs = [];
  for (const glob of workspaceGlobs(root)) {
    if (glob.endsWith('/*')) {
      const base = join(root, glob.slice(0, -2));
      if (!existsSync(base)) continue;
      for (const name of readdirSync(base).sort()) {
        const dir = join(base, name);
        if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
      }
    } else if (existsSync(join(root, glob, 'package.json'))) {
      dirs.push(join(root, glob));
    }
  }
  return dirs;
}

function sourceFiles(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE_FILE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function lineOf(text, index) {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Blanks out comments so that an import named in a comment is not taken for a real one. */
function stripComments(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, p) => p + ' '.repeat(m.length - p.length));
}

/**
 * Checks the workspace at `root`.
 * @param {string} root
 * @returns {{ packages: {name: string, dir: string, level: number | undefined}[], problems: string[], imports: number }}
 */
export function checkLevels(root) {
  const packages = packageDirs(root).map((dir) => {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const level = json.pingora?.level;
    return {
      name: json.name,
      dir,
      level: Number.isInteger(level) && level >= 0 ? level : undefined,
      runtime: new Set([
        ...Object.keys(json.dependencies ?? {}),
        ...Object.keys(json.peerDependencies ?? {}),
        ...Object.keys(json.optionalDependencies ?? {}),
      ]),
      dev: new Set(Object.keys(json.devDependencies ?? {})),
    };
  });
  const byName = new Map(packages.map((p) => [p.name, p]));
  const problems = [];
  const edges = new Map(packages.map((p) => [p.name, new Set()]));
  const rel = (path) => relative(root, path);
  let imports = 0;

  const describe = (p) => `${p.name} (level ${p.level ?? '?'})`;
  const levelProblem = (where, from, to, verb) =>
    `${where}: ${describe(from)} ${verb} ${describe(to)}; a package may only use packages of a lower level`;

  for (const pkg of packages) {
    if (pkg.level === undefined) {
      problems.push(
        `${rel(join(pkg.dir, 'package.json'))}: ${pkg.name} declares no level ("pingora": { "level": N })`,
      );
    }
    for (const dep of [...pkg.runtime, ...pkg.dev]) {
      const target = byName.get(dep);
      if (!target || target === pkg) continue;
      edges.get(pkg.name).add(dep);
      if (pkg.level !== undefined && target.level !== undefined && target.level >= pkg.level) {
        problems.push(levelProblem(rel(join(pkg.dir, 'package.json')), pkg, target, 'depends on'));
      }
    }
    for (const folder of SOURCE_DIRS) {
      for (const file of sourceFiles(join(pkg.dir, folder))) {
        const text = stripComments(readFileSync(file, 'utf8'));
        for (const match of text.matchAll(SPECIFIER)) {
          const name = packageOf(match[2]);
          const target = byName.get(name);
          if (!target || target === pkg) continue;
          imports++;
          const where = `${rel(file)}:${lineOf(text, match.index)}`;
          edges.get(pkg.name).add(name);
          const declared = folder === 'src' ? pkg.runtime : new Set([...pkg.runtime, ...pkg.dev]);
          if (!declared.has(name)) {
            const kind = folder === 'src' ? 'dependencies' : 'dependencies or devDependencies';
            problems.push(
              `${where}: ${pkg.name} imports ${name}, which its package.json does not declare in ${kind}`,
            );
          }
          if (pkg.level !== undefined && target.level !== undefined && target.level >= pkg.level) {
            problems.push(levelProblem(where, pkg, target, 'imports'));
          }
        }
      }
    }
  }

  // Cycles: depth-first search over declared and imported workspace edges.
  const state = new Map();
  const stack = [];
  const seen = new Set();
  const visit = (name) => {
    state.set(name, 'open');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(next)), next].join(' -> ');
        if (!seen.has(cycle)) problems.push(`cycle: ${cycle}`);
        seen.add(cycle);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const pkg of packages) if (!state.has(pkg.name)) visit(pkg.name);

  return {
    packages: packages.map(({ name, dir, level }) => ({ name, dir: rel(dir), level })),
    problems,
    imports,
  };
}

/** The level table of ARCHITECTURE.md, one row per level. */
export function formatLevelTable(packages) {
  const levels = new Map();
  for (const p of packages) {
    if (p.level === undefined) continue;
    if (!levels.has(p.level)) levels.set(p.level, []);
    levels.get(p.level).push(p);
  }
  const rows = [...levels.keys()]
    .sort((a, b) => a - b)
    .map((level) => {
      const names = levels
        .get(level)
        .map((p) => `\`${p.name}\` (${p.dir})`)
        .join(', ');
      return `| ${level} | ${names} |`;
    });
  return ['| level | packages |', '| --- | --- |', ...rows].join('\n');
}

export const TABLE_START = '<!-- levels:start (pnpm check:levels --write) -->';
export const TABLE_END = '<!-- levels:end -->';

function main() {
  const root =
    process.argv.find((a, i) => i > 1 && !a.startsWith('--')) ??
    join(dirname(fileURLToPath(import.meta.url)), '..');
  const { packages, problems, imports } = checkLevels(root);
  if (problems.length > 0) {
    console.error(`level check: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  const table = formatLevelTable(packages);
  const byLevel = new Map();
  for (const p of packages) byLevel.set(p.level, [...(byLevel.get(p.level) ?? []), p.name]);
  for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
    console.log(`level ${level}: ${byLevel.get(level).join(', ')}`);
  }
  console.log(
    `level check: ${packages.length} packages, ${imports} workspace imports, all point to lower levels`,
  );
  if (process.argv.includes('--write')) {
    const file = join(root, 'ARCHITECTURE.md');
    const text = readFileSync(file, 'utf8');
    const start = text.indexOf(TABLE_START);
    const end = text.indexOf(TABLE_END);
    if (start < 0 || end < start) {
      console.error('ARCHITECTURE.md has no level table markers');
      process.exit(1);
    }
    writeFileSync(
      file,
      `${text.slice(0, start + TABLE_START.length)}\n${table}\n${text.slice(end)}`,
    );
    console.log('ARCHITECTURE.md level table written');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
