import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePath } from '../src/index.js';

// Reference model: RFC 3986 section 5.2.4 remove_dot_segments over decoded unreserved octets,
// written as the RFC's loop over an input buffer (after merging slashes).
function reference(path: string): string {
  let input = path
    .replace(/%([0-9A-Fa-f]{2})/g, (e, h: string) => {
      const c = String.fromCharCode(Number.parseInt(h, 16));
      return /[A-Za-z0-9\-._~]/.test(c) ? c : e.toUpperCase();
    })
    .replace(/\/{2,}/g, '/');
  let output = '';
  while (input.length > 0) {
    if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '/..') {
      input = '/';
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else {
      const next = input.indexOf('/', 1);
      const seg = next < 0 ? input : input.slice(0, next);
      output += seg;
      input = next < 0 ? '' : input.slice(next);
    }
  }
  return output === '' ? '/' : output;
}

describe('normalizePath', () => {
  it('decodes unreserved escapes, merges slashes, removes dot segments', () => {
    expect(normalizePath('/a//b/%2E%2E/c/./d')).toBe('/a/c/d');
    expect(normalizePath('/public/%2e%2e/admin')).toBe('/admin');
    expect(normalizePath('/../../etc')).toBe('/etc');
    expect(normalizePath('/a/b/..')).toBe('/a/');
    expect(normalizePath('/a%2fb%7e')).toBe('/a%2Fb~');
    expect(normalizePath('/plain/path')).toBe('/plain/path');
  });

  it('agrees with the RFC 3986 loop over any path of dots, slashes, escapes and letters', () => {
    const piece = fc.constantFrom('/', '.', '..', 'a', 'b', '%2e', '%2E', '%2f', '%41', '//', '~');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const path = `/${pieces.join('')}`;
        const normal = normalizePath(path);
        expect(normal).toBe(reference(path));
        // Idempotent, and no dot segment or empty segment left inside.
        expect(normalizePath(normal)).toBe(normal);
        expect(normal).not.toMatch(/\/\.\.?(\/|$)|\/\//);
      }),
      { numRuns: 3000 },
    );
  });
});
