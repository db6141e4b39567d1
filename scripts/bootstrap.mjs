#!/usr/bin/env node
// The two-command set-up: `npm test` and `npm start` call this with the machine's own Node.js
// (which may be older than the toolchain's). It needs nothing but Node and npm: it finds pnpm
// (or runs the pinned one through npx, without a global install), installs the workspace —
// which brings the pinned Node 24 into node_modules/.bin — builds, then hands over to a pnpm
// script, so everything after the install runs on Node 24.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = packageManager.split('+')[0]; // "pnpm@12.21.0"
const pinnedVersion = pinned.split('@')[1];

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === pinnedVersion) return ['pnpm', []];
  return ['npx', ['--yes', pinned]];
}

function pnpm(args) {
  const [cmd, prefix] = pnpmCommand();
  const status = run(cmd, [...prefix, ...args]);
  if (status !== 0) process.exit(status);
}

const steps = {
  install() {
    const frozen = process.env.CI && existsSync(join(root, 'pnpm-lock.yaml'));
    pnpm(['install', ...(frozen ? ['--frozen-lockfile'] : [])]);
  },
  build() {
    pnpm(['run', 'build']);
  },
  test() {
    steps.install();
    steps.build();
    pnpm(['run', 'test:run']);
  },
  start() {
    steps.install();
    steps.build();
    pnpm(['run', '--silent', 'start:app']);
  },
};

const step = process.argv[2] ?? 'test';
if (!(step in steps)) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(steps).join('|')}`);
  process.exit(2);
}
steps[step]();
