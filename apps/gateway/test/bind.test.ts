import { describe, expect, it } from 'vitest';
import { Gateway, parseConfig } from '../src/index.js';
import { trackHandles } from './helpers/leak-check.js';

const quiet = { write: () => {} };
const config = (address: string, reusePort: boolean) =>
  parseConfig(
    `listeners: [{ address: "${address}" }]
reuse_port: ${reusePort}
routes: [{ respond: { status: 204 } }]
`,
    'bind.yaml',
    {},
  );

describe('reuse_port', () => {
  it('false: a second gateway on a taken port fails with BindError instead of sharing it', async () => {
    const checkLeaks = trackHandles();
    const first = await Gateway.start({
      config: config('127.0.0.1:0', true),
      logDestination: quiet,
    });
    const address = first.listeners[0]?.address as string;
    await expect(
      Gateway.start({ config: config(address, false), logDestination: quiet }),
    ).rejects.toThrow(/BindError/);
    // With SO_REUSEPORT on both, the second binds beside the first (what `serve -u` relies on).
    const second = await Gateway.start({ config: config(address, true), logDestination: quiet });
    expect(second.listeners[0]?.address).toBe(address);
    await second.close(100);
    await first.close(100);
    await checkLeaks();
  });
});
