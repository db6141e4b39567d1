import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostPattern, PathPattern, Router, rewriteTarget } from '../src/index.js';

describe('PathPattern', () => {
  it('captures parameters and the rest of a ** pattern', () => {
    expect(new PathPattern('/users/:id').match('/users/42')).toEqual({ id: '42' });
    expect(new PathPattern('/users/:id').match('/users/42/x')).toBeUndefined();
    expect(new PathPattern('/users/:id').match('/users/')).toBeUndefined();
    expect(new PathPattern('/static/**').match('/static/css/a.css')).toEqual({ '*': 'css/a.css' });
    expect(new PathPattern('/static/**').match('/static')).toEqual({ '*': '' });
    expect(new PathPattern('/static/**').match('/staticx/a')).toBeUndefined();
    expect(new PathPattern('/a/*/c').match('/a/b/c')).toEqual({});
    expect(new PathPattern('/a/*/c').match('/a//c')).toBeUndefined();
    expect(() => new PathPattern('/a/**/c')).toThrow(TypeError);
  });

  // Reference model: a regular expression built from the same pattern.
  function reference(pattern: string, path: string): boolean {
    const parts = pattern.slice(1).split('/');
    const re = parts
      .map((p, i) => {
        if (p === '**') return i === 0 ? '.*' : '(?:/.*)?';
        const seg =
          p === '*' || p.startsWith(':') ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        return `${i === 0 ? '' : '/'}${seg}`;
      })
      .join('');
    return new RegExp(`^/${re}$`).test(path);
  }

  it('matches exactly what the regular-expression model matches', () => {
    const segment = fc.constantFrom('a', 'b', 'users', '', '42');
    const patternSegment = fc.constantFrom('a', 'b', 'users', ':id', '*');
    fc.assert(
      fc.property(
        fc.array(patternSegment, { maxLength: 4 }),
        fc.boolean(),
        fc.array(segment, { maxLength: 5 }),
        (segs, hasRest, pathSegs) => {
          const pattern = `/${[...segs, ...(hasRest ? ['**'] : [])].join('/')}`;
          const path = `/${pathSegs.join('/')}`;
          // `/` followed by `**` has an empty first segment before it in the model.
          const isMatch = new PathPattern(pattern).match(path) !== undefined;
          const model = segs.length === 0 && hasRest ? true : reference(pattern, path);
          expect(isMatch).toBe(model);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('HostPattern', () => {
  it('matches exact names, wildcards and any host, without port and case', () => {
    expect(new HostPattern('api.example.com').matches('API.example.com:8080')).toBe(true);
    expect(new HostPattern('*.example.com').matches('a.b.example.com')).toBe(true);
    expect(new HostPattern('*.example.com').matches('example.com')).toBe(false);
    expect(new HostPattern('*').matches(undefined)).toBe(true);
    expect(new HostPattern('localhost').matches('[::1]:80')).toBe(false);
  });
});

describe('Router', () => {
  const router = new Router([
    { route: 'catch-all', match: { paths: ['/**'] } },
    { route: 'user', match: { paths: ['/users/:id'] } },
    { route: 'me', match: { paths: ['/users/me'] } },
    { route: 'post-only', match: { paths: ['/users/:id'], methods: ['POST'] }, priority: 5 },
    { route: 'api-host', match: { hosts: ['api.example.com'], paths: ['/**'] } },
    { route: 'wild-host', match: { hosts: ['*.example.com'], paths: ['/**'] } },
  ]);

  it('prefers priority, then specificity, then order', () => {
    expect(router.find('GET', 'x', '/users/me')?.route).toBe('me');
    expect(router.find('GET', 'x', '/users/7?x=1')).toMatchObject({
      route: 'user',
      params: { id: '7' },
    });
    expect(router.find('POST', 'x', '/users/7')?.route).toBe('post-only');
    expect(router.find('GET', 'x', '/other')?.route).toBe('catch-all');
    expect(router.find('GET', 'api.example.com', '/other')?.route).toBe('api-host');
    expect(router.find('GET', 'www.example.com', '/other')?.route).toBe('wild-host');
  });

  it('answers undefined when nothing matches', () => {
    expect(
      new Router([{ route: 'a', match: { paths: ['/a'] } }]).find('GET', 'x', '/b'),
    ).toBeUndefined();
  });
});

describe('rewriteTarget', () => {
  it('strips and adds prefixes, fills templates, keeps the query', () => {
    expect(rewriteTarget('/api/users?x=1', { strip_prefix: '/api' }, {})).toBe('/users?x=1');
    expect(rewriteTarget('/api', { strip_prefix: '/api' }, {})).toBe('/');
    expect(rewriteTarget('/apix', { strip_prefix: '/api' }, {})).toBe('/apix');
    expect(rewriteTarget('/a', { add_prefix: '/v2/' }, {})).toBe('/v2/a');
    expect(rewriteTarget('/u/7?q', { path: '/v2/users/{id}/{*}' }, { id: '7', '*': 'x' })).toBe(
      '/v2/users/7/x?q',
    );
  });
});
