// An archive input's slim copy is named after the image inside it (nc-cli.slim:latest from a
// cli.tar holding nc-cli:latest), and the summary says which size it shows: the file's, beside
// the uncompressed one.
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';
import { buildSample, ensureCli } from './e2e.js';

describe('slimts build of an archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimts-archive-name-'));
  const name = uniqueName('slimts-e2e/nc-cli');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    docker(['rmi', `${name}:latest`, `${name}.slim:latest`], { allowFail: true });
  });

  it('names the output after the image inside, and says the size is the file\'s', () => {
    ensureCli();
    docker(['tag', buildSample('nginx'), `${name}:latest`]);
    const archive = join(dir, 'cli.tar');
    docker(['save', '-o', archive, `${name}:latest`]);
    docker(['rmi', `${name}:latest`]);
    const r = slimts(['build', archive, '--report', join(dir, 'r.json')]);
    expect(r.status, r.stderr).toBe(0);
    const out = join(dir, 'cli.slim.tar');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.output.fileSize).toBe(statSync(out).size);
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    expect(r.stdout).toContain(`${out}: ${mb(report.output.fileSize)} file, ${mb(report.output.layerSize)} uncompressed`);
    // loaded, it carries the image's own name
    const loaded = docker(['load', '-i', out]).stdout;
    expect(loaded).toContain(`Loaded image: ${name}.slim:latest`);
  });
});
