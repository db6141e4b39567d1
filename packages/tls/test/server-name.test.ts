import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesServerName } from '../src/index.js';

/** Reference: compare label by label; `*` may only be the whole first label, and matches one. */
function model(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().split('.');
  const n = name.toLowerCase().replace(/\.$/, '').split('.');
  if (p.length !== n.length) return false;
  return p.every((label, i) =>
    i === 0 && label === '*' && p.length > 2 ? n[0] !== '' : label === n[i],
  );
}

describe('matchesServerName', () => {
  it('matches server names as RFC 6125 6.4.3 says', () => {
    expect(matchesServerName('a.test', 'A.TEST')).toBe(true);
    expect(matchesServerName('a.test', 'a.test.')).toBe(true);
    expect(matchesServerName('*.b.test', 'x.b.test')).toBe(true);
    expect(matchesServerName('*.b.test', 'X.B.TEST')).toBe(true);
    expect(matchesServerName('*.b.test', 'b.test')).toBe(false);
    expect(matchesServerName('*.b.test', 'y.x.b.test')).toBe(false);
    expect(matchesServerName('*.b.test', '.b.test')).toBe(false);
    expect(matchesServerName('a.*.test', 'a.b.test')).toBe(false);
    expect(matchesServerName('*.test', 'a.test')).toBe(false);
  });

  it('agrees with a label-by-label model on random names', () => {
    const label = fc.constantFrom('a', 'b', 'B', 'xn--p1ai', 'www', '*', '');
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    fc.assert(
      fc.property(name, name, (pattern, host) => {
        // Patterns with '*' elsewhere than a whole leftmost label never match (nor does a host
        // with a '*' label); the model only encodes the rule for well-formed patterns.
        fc.pre(!host.split('.').includes('*'));
        fc.pre(!pattern.split('.').slice(1).includes('*'));
        fc.pre(!pattern.split('.').includes(''));
        expect(matchesServerName(pattern, host)).toBe(model(pattern, host));
      }),
      { numRuns: 2000 },
    );
  });
});
