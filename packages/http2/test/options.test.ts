import { describe, expect, it } from 'vitest';
import { H2_CLIENT_DEFAULTS, H2_SERVER_DEFAULTS, H2Connector, H2Server } from '../src/index.js';

describe('options', () => {
  it('documents the defaults', () => {
    expect(H2_SERVER_DEFAULTS.maxConcurrentStreams).toBe(100);
    expect(H2_SERVER_DEFAULTS.initialWindowSize).toBe(65_535);
    expect(H2_CLIENT_DEFAULTS.pingIntervalMs).toBe(30_000);
  });

  it('rejects values that cannot work', () => {
    const handler = () => {};
    expect(() => new H2Server({ handler, maxConcurrentStreams: 0 })).toThrow(RangeError);
    expect(() => new H2Server({ handler, resetWindowMs: -1 })).toThrow(/resetWindowMs/);
    expect(() => new H2Server({ handler, initialWindowSize: 2 ** 31 })).toThrow(/2\^31-1/);
    expect(() => new H2Connector({ pingTimeoutMs: Number.NaN })).toThrow(/pingTimeoutMs/);
    expect(() => new H2Connector({ connectionWindowSize: 2 ** 32 })).toThrow(RangeError);
  });
});
