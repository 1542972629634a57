// Where the slim image goes by default, and the names it gets (pure, no engine).
import { describe, expect, it } from 'vitest';
import { defaultSlimPath, nameFromPath, sinkFor } from '../../src/slim/destination.js';
import { parseRefName } from '../../src/oci/refname.js';

describe('build destination', () => {
  it('a file input gets a sibling of the same kind', () => {
    expect(defaultSlimPath('/ci/app.tar', false)).toBe('/ci/app.slim.tar');
    expect(defaultSlimPath('/ci/app.tar.gz', false)).toBe('/ci/app.slim.tar');
    expect(defaultSlimPath('/ci/app.TGZ', false)).toBe('/ci/app.slim.tar');
    expect(defaultSlimPath('/ci/image', false)).toBe('/ci/image.slim.tar');
    expect(defaultSlimPath('/ci/layout/', true)).toBe('/ci/layout.slim');
  });

  it('names from paths are valid references', () => {
    for (const [path, name] of [['/x/My App_v2.tar.gz', 'my-app-v2'], ['/x/app.tar', 'app'], ['/x/...tar', 'image'], ['/x/OCI/', 'oci']]) {
      expect(nameFromPath(path!)).toBe(name);
      expect(() => parseRefName(`${nameFromPath(path!)}.slim:latest`)).not.toThrow();
    }
  });

  it('flags win over the default; an engine input defaults to NAME.slim:TAG', () => {
    const file = { path: '/ci/app.tar', dir: false };
    expect(sinkFor({ image: '/ci/app.tar' }, file)).toEqual({ kind: 'oci-archive', path: '/ci/app.slim.tar', tag: 'app.slim:latest' });
    expect(sinkFor({ image: 'oci:/ci/l' }, { path: '/ci/l', dir: true })).toEqual({ kind: 'oci-dir', path: '/ci/l.slim', tag: 'l.slim:latest' });
    expect(sinkFor({ image: '/ci/app.tar', tag: 'app:slim' }, file)).toEqual({ kind: 'engine', tag: 'app:slim' });
    expect(sinkFor({ image: '/ci/app.tar', output: '/out/x' }, file)).toEqual({ kind: 'oci-dir', path: '/out/x', tag: 'app.slim:latest' });
    expect(sinkFor({ image: '/ci/app.tar', push: 'reg:5000/app:1' }, file)).toEqual({ kind: 'registry', ref: 'reg:5000/app:1', insecure: undefined });
    expect(sinkFor({ image: 'myapp:1' })).toEqual({ kind: 'engine', tag: 'myapp.slim:1' });
  });
});
