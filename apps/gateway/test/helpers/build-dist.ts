import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// vitest globalSetup: the CLI tests run dist/cli.js as a user would, so dist must match src.
export default function setup(): void {
  const appDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: appDir,
    stdio: 'inherit',
  });
}
