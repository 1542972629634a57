// Pure helpers: sizes, .dive-ci, gate rules, history -> Dockerfile, dpkg, diff.
import { describe, expect, it } from 'vitest';
import { evaluateGate, parseDiveCi, parseSize, DEFAULT_GATE } from '../../src/xray/gate.js';
import { instructionOf, reverseDockerfile } from '../../src/xray/dockerfile.js';
import { historyForLayers } from '../../src/xray/xray.js';
import { packageOfListFile, parseDpkgList, parseDpkgStatus } from '../../src/xray/dpkg.js';
import { diffImages, topDir, type FileInfo } from '../../src/xray/diff.js';
import { decodeCapability } from '../../src/xray/capabilities.js';
import { CAP_NET_BIND, CONFIG, HISTORY } from './scenario.js';

describe('sizes and CI config', () => {
  it('parses sizes like dive (SI for MB, binary for MiB)', () => {
    expect(parseSize('20MB')).toBe(20_000_000);
    expect(parseSize('20M')).toBe(20_000_000);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('4 kB')).toBe(4000);
    expect(parseSize('1024')).toBe(1024);
    expect(() => parseSize('lots')).toThrow(/invalid size/);
  });

  it('reads the .dive-ci subset', () => {
    const cfg = parseDiveCi(`# dive CI rules
rules:
  # If the efficiency is measured below X%, mark as failed.
  lowest-efficiency: 0.95
  highest-wasted-bytes: 20MB   # absolute
  highest-user-wasted-percent: "0.20"
other:
  lowest-efficiency: 0.1
`);
    expect(cfg).toEqual({ 'lowest-efficiency': '0.95', 'highest-wasted-bytes': '20MB', 'highest-user-wasted-percent': '0.20' });
    expect(() => parseDiveCi('rules:\n  bogus: 1\n')).toThrow(/unknown rule 'bogus'/);
  });

  it('evaluates rules with dive comparisons; disabled rules are skipped', () => {
    const input = { efficiency: 0.9, wastedBytes: 20_000_001, userWastedPercent: 0.1, sizeBytes: 100 };
    const r = evaluateGate(input, { ...DEFAULT_GATE, 'highest-wasted-bytes': '20MB', 'max-size': '99' });
    expect(r.rules.map((x) => [x.rule, x.status])).toEqual([
      ['lowest-efficiency', 'pass'], // 0.9 is not below 0.9
      ['highest-wasted-bytes', 'fail'],
      ['highest-user-wasted-percent', 'pass'],
      ['max-size', 'fail'],
    ]);
    expect(r.pass).toBe(false);
    expect(evaluateGate(input, DEFAULT_GATE).pass).toBe(true);
    expect(evaluateGate({ ...input, userWastedPercent: Infinity }, DEFAULT_GATE).rules[2].status).toBe('fail');
  });
});

describe('reverse Dockerfile', () => {
  it('turns history lines into instructions', () => {
    expect(instructionOf('/bin/sh -c #(nop) ADD file:abc in / ')).toBe('ADD file:abc in /');
    expect(instructionOf('/bin/sh -c #(nop)  CMD ["bash"]')).toBe('CMD ["bash"]');
    expect(instructionOf('/bin/sh -c apt-get update && apt-get install -y curl')).toBe('RUN apt-get update && apt-get install -y curl');
    expect(instructionOf('RUN |2 A=1 B=two /bin/sh -c make && make install # buildkit')).toBe('RUN make && make install');
    expect(instructionOf('RUN /bin/sh -c echo hi # buildkit')).toBe('RUN echo hi');
    expect(instructionOf('/bin/sh -c #(nop)  EXPOSE map[80/tcp:{} 443/tcp:{}]')).toBe('EXPOSE 80/tcp 443/tcp');
    expect(instructionOf('WORKDIR /app')).toBe('WORKDIR /app');
    expect(instructionOf('/bin/sh -c #(nop)  CMD ["sh" "-c" "echo \\"hi\\""]')).toBe('CMD ["sh","-c","echo \\"hi\\""]');
    expect(instructionOf('')).toBeUndefined();
  });

  it('completes history from the config', () => {
    const lines = reverseDockerfile({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, history: HISTORY, config: { ...CONFIG, Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9 }, StopSignal: 'SIGTERM', Volumes: { '/data': {} }, Labels: { a: 'b' } } });
    expect(lines).toEqual([
      'FROM scratch',
      'ADD file:0123abcd in /',
      'ENV A=1',
      'RUN echo hi > /srv/dup1',
      'RUN rm /srv/other',
      'CMD ["sh"]',
      'ENV PATH=/usr/bin',
      'LABEL "a"="b"',
      'WORKDIR /srv',
      'USER 1000',
      'EXPOSE 8080/tcp',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=5s CMD true',
    ]);
  });

  it('matches history to layers skipping empty_layer entries (like dive)', () => {
    const h = historyForLayers(HISTORY, 3).map((x) => x?.created_by);
    expect(h).toEqual([HISTORY[0].created_by, HISTORY[2].created_by, HISTORY[3].created_by]);
    expect(historyForLayers([], 2)).toEqual([undefined, undefined]);
    // A base layer without history: the entries describe the last layers.
    expect(historyForLayers([{ created_by: 'x' }], 2)).toEqual([undefined, { created_by: 'x' }]);
  });
});

describe('dpkg and diff', () => {
  it('parses status stanzas and list files', () => {
    const pkgs = parseDpkgStatus(`Package: bash
Status: install ok installed
Installed-Size: 7000
Architecture: amd64
Version: 5.2

Package: gone
Status: deinstall ok config-files

Package: libc6
Status: install ok installed
Architecture: amd64
`);
    expect(pkgs.map((p) => [p.name, p.installedSize])).toEqual([
      ['bash', 7000 * 1024],
      ['libc6', undefined],
    ]);
    expect(packageOfListFile('/var/lib/dpkg/info/libc6:amd64.list')).toBe('libc6');
    expect(packageOfListFile('/var/lib/dpkg/info/bash.md5sums')).toBeUndefined();
    expect(parseDpkgList('/.\n/bin\n/bin/bash\n')).toEqual(['/bin', '/bin/bash']);
  });

  it('sums what each side lacks by directory and by package', () => {
    const m = (o: Record<string, [string, number]>) => new Map<string, FileInfo>(Object.entries(o).map(([k, [type, size]]) => [k, { type, size }]));
    const full = m({ '/usr': ['dir', 0], '/usr/bin/perl': ['file', 100], '/usr/share/doc/a/x': ['file', 10], '/usr/share/doc/b/y': ['file', 5], '/etc/keep': ['file', 1], '/etc/conf': ['file', 2] });
    const slim = m({ '/usr': ['dir', 0], '/etc/keep': ['file', 1], '/etc/conf': ['file', 3], '/app': ['file', 7] });
    const owners: Record<string, string> = { '/usr/bin/perl': 'perl-base', '/usr/share/doc/a/x': 'a' };
    const d = diffImages(full, slim, {
      otherRef: 'slim',
      imageDb: { installed: new Set(['perl-base', 'a', 'b']), owner: (p) => owners[p], statusSize: 10 },
      otherDb: { installed: new Set(['a', 'b']), owner: () => undefined, statusSize: 5 },
    });
    expect(d.onlyInImage).toEqual({ files: 3, bytes: 115, byDir: [{ dir: '/usr/bin', files: 1, bytes: 100 }, { dir: '/usr/share', files: 2, bytes: 15 }] });
    expect(d.onlyInOther).toEqual({ files: 1, bytes: 7, byDir: [{ dir: '/', files: 1, bytes: 7 }] });
    expect(d.changed).toEqual({ files: 1, bytesInImage: 2, bytesInOther: 3 });
    expect(d.packages).toEqual({
      source: 'image',
      packages: [
        { name: 'perl-base', files: 1, bytes: 100, notInstalledInOther: true },
        { name: 'a', files: 1, bytes: 10, notInstalledInOther: false },
        { name: '(no package)', files: 1, bytes: 5, notInstalledInOther: false },
      ],
    });
    expect(topDir('/a/b/c/d', 2)).toBe('/a/b');
  });

  it('decodes a capability xattr', () => {
    expect(decodeCapability(Buffer.from(CAP_NET_BIND, 'latin1'))).toEqual({ permitted: ['cap_net_bind_service'], inheritable: [], effective: true });
  });
});
