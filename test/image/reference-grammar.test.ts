// One image-reference grammar for every command (src/image/read.ts): what names a file that is
// not there is refused the same way by build, xray and imagebuild --from, before any engine work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { slimts } from '../helpers/docker.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-refgrammar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('image references', () => {
  for (const ref of ['missing.tar', join(dir, 'gone'), './not/here.tgz']) {
    it(`"${ref}": the same one line and exit 2 from build, xray and imagebuild --from`, () => {
      const runs = [
        slimts(['build', ref]),
        slimts(['xray', ref]),
        slimts(['imagebuild', '--exe', '/bin/true', '--from', ref, '--tag', 'slimts-refgrammar/never:1']),
      ];
      for (const r of runs) {
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
      }
      const lines = runs.map((r) => r.stderr.trim().split('\n').filter((l) => !/^slimts: [a-z-]+\.\.\.$/.test(l)));
      expect(lines[0]).toEqual([`slimts: file "${ref}" not found`]);
      expect(lines[1]).toEqual(lines[0]);
      expect(lines[2]).toEqual(lines[0]);
    });
  }
});
