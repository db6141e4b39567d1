import { STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reasonPhrase } from '../src/index.js';

// RFC 9110 renamed two phrases node:http still uses; two of its codes are not registered.
const RENAMED: Record<number, string> = { 413: 'Content Too Large', 422: 'Unprocessable Content' };
const UNREGISTERED = new Set([418, 509]);

describe('reasonPhrase', () => {
  it('agrees with node:http on every registered code it knows, apart from the RFC 9110 names', () => {
    let compared = 0;
    for (const [code, phrase] of Object.entries(STATUS_CODES)) {
      const status = Number(code);
      const expected = UNREGISTERED.has(status) ? '' : (RENAMED[status] ?? phrase);
      expect(reasonPhrase(status), `status ${status}`).toBe(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(55);
  });

  it('answers an empty phrase for codes without one, never undefined', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double()), (status) => {
        const phrase = reasonPhrase(status);
        expect(typeof phrase).toBe('string');
        if (!(String(status) in STATUS_CODES) || UNREGISTERED.has(status)) expect(phrase).toBe('');
      }),
    );
  });
});
