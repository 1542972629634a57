// Paths inside an image: the lexical helpers every stage shares (src/util/paths.ts).
import { describe, expect, it } from 'vitest';
import { ancestors, baseName, childPath, comparePaths, joinPath, normalize, parentPath, splitPath } from '../../src/util/paths.js';

describe('image paths', () => {
  it('parent, child, base name and components', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/')).toBe('/');
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
    expect(baseName('/a/b')).toBe('b');
    expect(baseName('/')).toBe('');
    expect(splitPath('/a/./b//c/')).toEqual(['a', 'b', 'c']);
  });

  it('ancestors: nearest first, the root last, none above the root', () => {
    expect([...ancestors('/a/b/c')]).toEqual(['/a/b', '/a', '/']);
    expect([...ancestors('/a')]).toEqual(['/']);
    expect([...ancestors('/')]).toEqual([]);
  });

  it('normalise and join lexically; a directory sorts before its siblings\' names', () => {
    expect(normalize('a/../../b/./c/')).toBe('/b/c');
    expect(joinPath('/usr/lib', '../bin/x')).toBe('/usr/bin/x');
    expect(joinPath('/x', '/abs')).toBe('/abs');
    expect(['/a.b', '/a/c', '/a'].sort(comparePaths)).toEqual(['/a', '/a/c', '/a.b']);
  });
});
