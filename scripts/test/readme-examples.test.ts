import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Every package README opens with an example (STYLE.md). This runs the first ```ts block of
// each README against the package's source, and where a ```text block follows it ("prints"),
// checks that the example printed exactly that.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = join(root, 'scripts', 'test', '.readme-examples');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'README.md')),
);

function example(readme: string): { code: string; printed: string | undefined } | undefined {
  const match = /```ts\n([\s\S]*?)```(?:\s*\n(?:prints:?\s*\n)?\s*```text\n([\s\S]*?)```)?/.exec(
    readme,
  );
  if (!match) return undefined;
  return { code: match[1]!, printed: match[2] };
}

describe('README examples', () => {
  for (const name of packages) {
    it(`packages/${name}/README.md: the example runs`, async () => {
      const readme = readFileSync(join(root, 'packages', name, 'README.md'), 'utf8');
      const found = example(readme);
      expect(found, `packages/${name}/README.md has no \`\`\`ts example`).toBeDefined();
      // Point imports of workspace packages at their sources, so the example tests this tree.
      const code = found!.code.replace(/(['"])@pingora-ts\/([a-z0-9-]+)\1/g, (_m, _q, pkg) =>
        JSON.stringify(pathToFileURL(join(root, 'packages', pkg, 'src', 'index.ts')).href),
      );
      mkdirSync(scratch, { recursive: true });
      const file = join(scratch, `${name}.ts`);
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
      if (found!.printed !== undefined) {
        expect(lines.join('\n')).toBe(found!.printed.trimEnd());
      }
    });
  }
});
