// The one HOST[:DEST] grammar behind --exe (build and imagebuild) and imagebuild's --path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExeHost, DEFAULT_EXE_DIR, parseExe, splitHostDest } from '../../src/util/host-dest.js';
import { UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-hostdest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HOST[:DEST]', () => {
  it('splits at the last colon; DEST must be absolute', () => {
    expect(splitHostDest('./x', '--path')).toEqual({ host: './x' });
    expect(splitHostDest('./x:/usr/bin/y', '--path')).toEqual({ host: './x', dest: '/usr/bin/y' });
    expect(splitHostDest('./a:b:/y/', '--path')).toEqual({ host: './a:b', dest: '/y/' });
    expect(() => splitHostDest('', '--path')).toThrow(/^--path: empty value/);
    expect(() => splitHostDest(':/x', '--path')).toThrow(/^--path ":\/x": empty HOST/);
    expect(() => splitHostDest('./x:', '--path')).toThrow(/^--path "\.\/x:": empty DEST/);
    expect(() => splitHostDest('./x:rel', '--path')).toThrow(/^--path "\.\/x:rel": DEST must be an absolute image path/);
    expect(() => splitHostDest('./dir:x/y', '--path')).toThrow(/DEST must be an absolute image path/);
  });
});

describe('--exe', () => {
  it('lands at /usr/local/bin/NAME without DEST, whatever the host path looks like', () => {
    expect(DEFAULT_EXE_DIR).toBe('/usr/local/bin');
    expect(parseExe('./bb')).toEqual({ spec: './bb', host: './bb', dest: '/usr/local/bin/bb' });
    expect(parseExe('/usr/bin/busybox').dest).toBe('/usr/local/bin/busybox');
    expect(parseExe('bin/tool').dest).toBe('/usr/local/bin/tool');
  });

  it('DEST names the file, or a directory when it ends in /; it is normalised', () => {
    expect(parseExe('./bb:/opt/bin/bb2').dest).toBe('/opt/bin/bb2');
    expect(parseExe('./bb:/opt/bin/').dest).toBe('/opt/bin/bb');
    expect(parseExe('./bb:/').dest).toBe('/bb');
    expect(parseExe('./bb:/opt//x/../bin/./bb').dest).toBe('/opt/bin/bb');
    expect(parseExe('./a:b:/opt/ab').host).toBe('./a:b');
  });

  it('bad values are one-line user errors naming the flag and the value', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /^--exe: empty value \(want HOST\[:DEST\]\)$/],
      [':/opt/x', /^--exe ":\/opt\/x": empty HOST/],
      ['./x:', /^--exe "\.\/x:": empty DEST/],
      ['./x:opt/x', /^--exe "\.\/x:opt\/x": DEST must be an absolute image path/],
      ['./x:/..', /^--exe "\.\/x:\/\.\.": DEST must name a file, not \/$/],
      ['./', /^--exe "\.\/": HOST must name a file$/],
      ['..:/opt/', /^--exe "\.\.:\/opt\/": HOST must name a file$/],
    ];
    for (const [spec, why] of bad) {
      let caught: unknown;
      try {
        parseExe(spec);
      } catch (err) {
        caught = err;
      }
      expect(caught, spec).toBeInstanceOf(UserError);
      expect((caught as UserError).exitCode).toBe(2);
      expect((caught as UserError).message, spec).toMatch(why);
      expect((caught as UserError).message).not.toContain('\n');
    }
  });

  it('the host side must be a readable regular file', () => {
    const f = join(dir, 'tool');
    writeFileSync(f, '#!/bin/sh\n', { mode: 0o755 });
    expect(checkExeHost(parseExe(f)).size).toBe(10);
    expect(() => checkExeHost(parseExe(join(dir, 'nope')))).toThrow(/^--exe .*\/nope: no such file on this host$/);
    expect(() => checkExeHost(parseExe(`${f}/sub`))).toThrow(/no such file on this host/);
    expect(() => checkExeHost(parseExe(`${dir}:/x`))).toThrow(/: is a directory, not an executable$/);
    expect(() => checkExeHost(parseExe('/dev/null'))).toThrow(/^--exe \/dev\/null: not a regular file$/);
    // unreadable (EACCES) needs a user other than root: test/imagebuild/cli.test.ts runs it as nobody
  });
});
