// slimts build --harden on the nginx (root, port 80, drops to a worker user), non-root
// health-checked and batch samples: each hardened verify passes, the written profile is the
// report's, the ready `docker run` line serves; and with one syscall the app needs taken out
// of the profile, the hardened verify fails and says it was the profile.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHardened, withoutSyscall, type Hardening } from '../../src/harden/index.js';
import { runPlain } from '../../src/run/index.js';
import type { ImageConfig } from '../../src/image/types.js';
import { docker, ROOT } from '../helpers/docker.js';
import { buildSample, getWhenUp, serve, slim, type Slimmed } from './e2e.js';
import { schemaFromMarkdown, validate } from './schema-check.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-harden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hardened(name: string): { image: string; s: Slimmed; profile: string } {
  const image = buildSample(name);
  const profile = join(dir, `${name}.seccomp.json`);
  return { image, s: slim(image, ['--seccomp-profile', profile]), profile };
}

describe('slimts build --seccomp-profile on nginx', () => {
  let c: ReturnType<typeof hardened>;
  beforeAll(() => { c = hardened('nginx'); });
  afterAll(() => c?.s.cleanup());

  it('verifies hardened: profile, the capabilities it needs, read-only root with tmpfs for what it writes', () => {
    expect(c.s.status, c.s.stderr + c.s.stdout).toBe(0);
    const h = c.s.report!.hardening!;
    expect(h.verify, JSON.stringify(h.verify)).toMatchObject({ ran: true, ok: true, held: { seccomp: true, capabilities: true, readOnly: true } });
    expect(h.capabilities.map((x) => x.cap)).toEqual(expect.arrayContaining(['NET_BIND_SERVICE', 'SETUID', 'SETGID']));
    expect(h.capabilities.map((x) => x.cap)).not.toContain('DAC_OVERRIDE');
    expect(h.readOnly).toBe(true);
    expect(h.tmpfs.map((t) => t.path)).toContain('/run');
    const written = JSON.parse(readFileSync(c.profile, 'utf8'));
    expect(written).toEqual(h.profile);
    expect(written.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(written.syscalls[0].names).toEqual(expect.arrayContaining(['bind', 'listen', 'accept4', 'setuid']));
    expect(written.syscalls[0].names).not.toContain('ptrace');
    expect(h.compose).toMatch(/read_only: true/);
    expect(validate(schemaFromMarkdown(join(ROOT, 'src/slim/SCHEMA.md')), c.s.report)).toEqual([]);
  });

  it('the ready docker run line serves pages the probes did not ask for, like the original', async () => {
    const words = c.s.report!.hardening!.dockerRun.split(' ');
    expect(words.slice(0, 2)).toEqual(['docker', 'run']);
    expect(words.at(-1)).toBe(c.s.tag);
    const run = serve(c.s.tag, 80, words.slice(2, -1));
    const orig = serve(c.image, 80);
    try {
      for (const path of ['/', '/index.html', '/no/such/page']) {
        const a = await getWhenUp(await orig.hostPort(), path);
        const b = await getWhenUp(await run.hostPort(), path);
        expect(b, path).toEqual(a);
      }
    } finally {
      run.stop();
      orig.stop();
    }
  });

  it('fails the hardened verify when the profile lacks a syscall nginx needs (listen), and names the profile', async () => {
    const r = c.s.report!;
    const h = r.hardening!;
    const config = JSON.parse(docker(['image', 'inspect', c.s.tag]).stdout)[0] as { Config: ImageConfig['config'] };
    const image: ImageConfig = { config: config.Config } as ImageConfig;
    // the reference: the slim image as it is, with the traced run's probes replayed
    const reference = await runPlain({ image: c.s.tag, config: image, probes: { replay: r.probes }, allowNonZeroExit: true });
    const hardening: Hardening = {
      profile: withoutSyscall(h.profile!, 'listen'), traced: h.syscalls.traced, caps: h.capabilities,
      readOnly: h.readOnly, tmpfs: h.tmpfs, blockers: h.blockers, notes: [],
    };
    const broken = await verifyHardened({ image: c.s.tag, config: image, probes: { replay: r.probes }, hardening, reference });
    expect(broken.ok).toBe(false);
    expect(broken.held).toEqual({ seccomp: false, capabilities: true, readOnly: true });
    // the app's own words: the call the profile took away was refused
    expect(broken.notes.join('\n')).toMatch(/seccomp alone: .*listen\(\).*Operation not permitted/);
  });
});

for (const name of ['nonroot-health', 'batch']) {
  describe(`slimts build --seccomp-profile on ${name}`, () => {
    let c: ReturnType<typeof hardened>;
    beforeAll(() => { c = hardened(name); });
    afterAll(() => c?.s.cleanup());

    it('verifies hardened with no capabilities and a read-only root', () => {
      expect(c.s.status, c.s.stderr + c.s.stdout).toBe(0);
      const h = c.s.report!.hardening!;
      expect(h.verify, JSON.stringify(h.verify)).toMatchObject({ ran: true, ok: true, held: { seccomp: true, capabilities: true, readOnly: true } });
      expect(h.capabilities).toEqual([]);
      expect(h.dockerRun).toMatch(/--cap-drop ALL --read-only/);
      expect(existsSync(c.profile)).toBe(true);
      if (name === 'nonroot-health') expect(c.s.report!.probes.some((p) => p.kind === 'healthcheck' && p.ok)).toBe(true);
      if (name === 'batch') expect(h.profile!.syscalls[0]!.names).not.toContain('listen');
    });
  });
}
