import { describe, expect, test } from 'vitest';
import { normaliseRefName, parseRefName } from '../../src/oci/refname.js';
import { UserError } from '../../src/util/errors.js';

describe('parseRefName', () => {
  test('defaults the tag and qualifies the name', () => {
    expect(parseRefName('myapp.slim')).toEqual({
      domain: 'docker.io', path: 'library/myapp.slim', tag: 'latest', familiar: 'myapp.slim:latest',
      full: 'docker.io/library/myapp.slim:latest', hasDomain: false,
    });
    expect(parseRefName('org/app:1.2-rc_3')).toMatchObject({ path: 'org/app', tag: '1.2-rc_3', full: 'docker.io/org/app:1.2-rc_3' });
    expect(parseRefName('127.0.0.1:5000/a/b:x')).toMatchObject({ domain: '127.0.0.1:5000', path: 'a/b', tag: 'x', hasDomain: true });
    expect(parseRefName('localhost/app')).toMatchObject({ domain: 'localhost', path: 'app', familiar: 'localhost/app:latest' });
    expect(parseRefName('registry.example:443/a__b/c-d')).toMatchObject({ domain: 'registry.example:443', path: 'a__b/c-d' });
    expect(normaliseRefName('x:y')).toBe('x:y');
  });

  test.each([
    ['', /empty/],
    ['MyApp', /lowercase/],
    ['org/App:tag', /lowercase/],
    ['app:', /bad tag/],
    ['app:-x', /bad tag/],
    ['app:a/b', /bad registry host/],
    ['app@sha256:abcd', /digest/],
    ['a//b', /bad path component/],
    ['-app', /bad path component/],
    ['app_', /bad path component/],
    ['ex ample/app', /bad/],
    [`${'a'.repeat(256)}`, /255/],
    ['app:' + 't'.repeat(129), /bad tag/],
  ])('rejects %j', (name, why) => {
    expect(() => parseRefName(name)).toThrow(UserError);
    expect(() => parseRefName(name)).toThrow(why);
  });
});
