import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderMap } from '../src/index.js';

const name = fc.constantFrom(
  'Host',
  'host',
  'HOST',
  'X-A',
  'x-a',
  'Accept',
  'set-cookie',
  'Set-Cookie',
);
const value = fc.stringMatching(/^[!-~]([ !-~]{0,6}[!-~])?$/);
type Op = { op: 'append' | 'set'; name: string; value: string } | { op: 'remove'; name: string };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('append' as const), name, value }),
  fc.record({ op: fc.constant('set' as const), name, value }),
  fc.record({ op: fc.constant('remove' as const), name }),
);

describe('HeaderMap', () => {
  it('keeps case, order and duplicates; looks up case-insensitively', () => {
    const h = new HeaderMap([
      ['Host', 'a'],
      ['X-Tag', '1'],
    ]);
    h.append('x-tag', '2');
    expect(h.get('HOST')).toBe('a');
    expect(h.getAll('X-TAG')).toEqual(['1', '2']);
    expect([...h]).toEqual([
      ['Host', 'a'],
      ['X-Tag', '1'],
      ['x-tag', '2'],
    ]);
    expect(h.toString()).toBe('Host: a\r\nX-Tag: 1\r\nx-tag: 2\r\n');
    h.set('X-TAG', '3');
    expect([...h]).toEqual([
      ['Host', 'a'],
      ['X-TAG', '3'],
    ]);
    expect(h.remove('host')).toBe(1);
    expect(h.size).toBe(1);
    expect(h.get('host')).toBeUndefined();
  });

  it('refuses names that are not tokens and values with controls or edge whitespace', () => {
    expect(() => new HeaderMap().append('Bad Name', 'x')).toThrow(TypeError);
    expect(() => new HeaderMap().append('X', 'a\r\nb')).toThrow(TypeError);
    expect(() => new HeaderMap().append('X', ' a')).toThrow(TypeError);
    expect(() => new HeaderMap().set('X', 'a\0')).toThrow(TypeError);
  });

  it('behaves like a list of pairs with case-folded lookup (model test)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const h = new HeaderMap();
        let model: [string, string][] = [];
        const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
        for (const o of ops) {
          if (o.op === 'append') {
            h.append(o.name, o.value);
            model.push([o.name, o.value]);
          } else if (o.op === 'set') {
            h.set(o.name, o.value);
            const i = model.findIndex(([n]) => same(n, o.name));
            if (i < 0) model.push([o.name, o.value]);
            else {
              model[i] = [o.name, o.value];
              model = model.filter(([n], j) => j <= i || !same(n, o.name));
            }
          } else {
            const before = model.length;
            model = model.filter(([n]) => !same(n, o.name));
            expect(h.remove(o.name)).toBe(before - model.length);
          }
          expect([...h]).toEqual(model);
          for (const n of ['host', 'x-a', 'accept', 'set-cookie']) {
            expect(h.getAll(n)).toEqual(model.filter(([m]) => same(m, n)).map(([, v]) => v));
            expect(h.get(n)).toBe(model.find(([m]) => same(m, n))?.[1]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
