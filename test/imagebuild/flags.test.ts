import { describe, expect, it } from 'vitest';
import { parseAllowedDir, parseExpose, parseKeyValue, parsePlatformFlag } from '../../src/imagebuild/config-flags.js';
import { parsePlatform } from '../../src/image/platform.js';
import { parseCommand, splitWords } from '../../src/util/command.js';
import { UserError } from '../../src/util/errors.js';

describe('imagebuild flag parsing', () => {
  it('splits commands without a shell', () => {
    expect(splitWords(`/app/x --name "a b" 'c d' e\\ f`, '--cmd')).toEqual(['/app/x', '--name', 'a b', 'c d', 'e f']);
    expect(splitWords('  ', '--cmd')).toEqual([]);
    expect(splitWords(`""`, '--cmd')).toEqual(['']);
    expect(splitWords('echo $HOME;ls', '--cmd')).toEqual(['echo', '$HOME;ls']);
    expect(() => splitWords('"open', '--cmd')).toThrow(UserError);
    expect(parseCommand('["/bin/x", "-v"]', '--entrypoint')).toEqual(['/bin/x', '-v']);
    expect(() => parseCommand('[1, 2]', '--entrypoint')).toThrow(/only strings/);
    expect(() => parseCommand('[oops', '--entrypoint')).toThrow(/JSON/);
  });
  it('validates KEY=VALUE, ports and platforms', () => {
    expect(parseKeyValue('A=b=c', '--env')).toEqual(['A', 'b=c']);
    expect(parseKeyValue('A=', '--env')).toEqual(['A', '']);
    for (const bad of ['A', '=b', 'A B=c', '']) expect(() => parseKeyValue(bad, '--env')).toThrow(UserError);
    // one grammar for every command: a bare KEY is KEY="" where docker allows it (build's --env, --label)
    expect(parseKeyValue('A', '--env', { bare: true })).toEqual(['A', '']);
    for (const bad of ['=b', 'A B=c', '']) expect(() => parseKeyValue(bad, '--env', { bare: true })).toThrow(/^--env: expected KEY=VALUE/);
    expect(parseExpose('80', '--expose')).toBe('80/tcp');
    expect(parseExpose('53/UDP', '--expose')).toBe('53/udp');
    for (const bad of ['0', '65536', 'http', '80/icmp', '80/']) expect(() => parseExpose(bad, '--expose')).toThrow(/^--expose: expected PORT/);
    expect(parsePlatformFlag('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatformFlag('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatformFlag('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    for (const bad of ['amd64', 'windows/amd64', 'linux/', 'linux/a/b/c']) expect(() => parsePlatformFlag(bad)).toThrow(UserError);
    expect(() => parsePlatformFlag('amd64')).toThrow(/^--platform: invalid platform "amd64" \(expected os\/arch\[\/variant\]/);
    expect(() => parsePlatformFlag('windows/amd64')).toThrow(/^--platform: only linux images can be built/);
    // the grammar build's --platform reads too (src/image/platform.ts), aliases and case included
    expect(parsePlatform(' Linux/AARCH64 ')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('windows/amd64')).toEqual({ os: 'windows', architecture: 'amd64' });
  });
  it('--allow-host-path: an absolute directory, not the root', () => {
    expect(parseAllowedDir('/srv/data/')).toBe('/srv/data');
    expect(parseAllowedDir('/home/u/../u/site')).toBe('/home/u/site');
    expect(() => parseAllowedDir('data')).toThrow(/^--allow-host-path: expected an absolute directory/);
    expect(() => parseAllowedDir('/')).toThrow(/would allow every host file/);
    expect(() => parseAllowedDir('/./')).toThrow(UserError);
  });
});
