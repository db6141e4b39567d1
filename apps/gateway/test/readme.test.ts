import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkConfigText } from '../src/index.js';

// The README opens with an example (STYLE.md): run its first ```ts block against src and check
// it printed the ```text block after it. examples/gateway.yaml must stay a valid config.
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(appDir, 'test', '.readme-example');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('documentation', () => {
  it('the README example runs and prints what the README says', async () => {
    const readme = readFileSync(join(appDir, 'README.md'), 'utf8');
    const match = /```ts\n([\s\S]*?)```\s*\n```text\n([\s\S]*?)```/.exec(readme);
    expect(match).not.toBeNull();
    const code = (match?.[1] ?? '').replace(
      "'@pingora-ts/gateway'",
      JSON.stringify(pathToFileURL(join(appDir, 'src', 'index.ts')).href),
    );
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, 'example.ts');
    writeFileSync(file, code);
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(format(...args));
    });
    try {
      await import(/* @vite-ignore */ `${pathToFileURL(file).href}?t=${Date.now()}`);
    } finally {
      log.mockRestore();
    }
    expect(lines.join('\n')).toBe((match?.[2] ?? '').trimEnd());
  });

  it('examples/gateway.yaml is a valid configuration', () => {
    const text = readFileSync(join(appDir, 'examples', 'gateway.yaml'), 'utf8');
    const checked = checkConfigText(text, {});
    expect(checked.issues).toEqual([]);
    expect(checked.config?.routes.length).toBeGreaterThan(5);
  });
});
