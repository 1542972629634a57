// What kept binaries reach by name, and data families (samples/reach/*): each image is slimmed
// with DEFAULT flags, then asked on paths the default probes never take (unlinked routes, a
// query parameter). The slim image must answer exactly like the original.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIn, compareRoutes, ensureCli, runOnce, slimmedOnce, type Slimmed } from './e2e.js';

const once = slimmedOnce();
const slimOk = once.slimOk;
beforeAll(() => ensureCli());
afterAll(() => once.cleanup());

const reasonsOf = (s: Slimmed, path: string) => s.report!.kept.find((k) => k.path === path)?.reasons ?? [];

describe('what kept binaries name: paths, programs and libraries by name, data families', () => {
  it('a C program: a data directory by compiled-in path, xz run through PATH, libmagic dlopen()ed by name and its database by its own compiled-in path', async () => {
    const image = buildIn('reach', 'catalog');
    const s = slimOk(image);
    const paths = ['/item?name=pear', '/item?name=quince', '/pack', '/kind'];
    const { original, differ } = await compareRoutes(image, s.tag, 8080, paths);
    for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
    // the original really did the work the slim one is held to
    expect(original.get('/item?name=quince')!.body).toBe('quince: yellow, for jam, 1.20 EUR\n');
    expect(original.get('/pack')!.body).toMatch(/^fd377a585a00/); // an xz stream
    expect(original.get('/kind')!.body).toBe('POSIX shell script, ASCII text executable\nCSV text\n');
    expect(differ).toEqual([]);
    // each kept for the string that names it
    expect(reasonsOf(s, '/usr/share/catalog/items/quince.txt').join()).toMatch(/path in the strings of \/usr\/local\/bin\/catalog \("\/usr\/share\/catalog\/items\/"\)/);
    expect(reasonsOf(s, '/usr/bin/xz').join()).toMatch(/program run by name by \/usr\/local\/bin\/catalog \("xz"\)/);
    expect(reasonsOf(s, '/usr/lib/x86_64-linux-gnu/libmagic.so.1').join()).toMatch(/library loaded by name by \/usr\/local\/bin\/catalog \("libmagic.so.1"\)/);
    expect(reasonsOf(s, '/usr/share/misc/magic.mgc').join()).toMatch(/path in the strings of \/usr\/lib\/x86_64-linux-gnu\/libmagic\.so\.1\.0\.0 \(extension appended to "\/usr\/share\/misc\/magic"\)/);
    const mech = Object.fromEntries(s.report!.references.byReason.map((g) => [g.reason, g.bytes]));
    expect(mech['binary-path']).toBeGreaterThan(0);
    expect(mech['binary-program']).toBeGreaterThan(0);
    expect(mech['binary-library']).toBeGreaterThan(0);
  });

  it('git, gawk, perl: helpers run from a compiled-in exec-path by computed names, templates under the install prefix, an extension loaded by name from a plugin directory, a module on an interpreter\'s command line', () => {
    const image = buildIn('reach', 'vcs');
    const s = slimOk(image);
    const a = { mirror: runOnce(image, ['mirror']), stamp: runOnce(image, ['stamp']) };
    // the original really did the work the slim one is held to
    expect(a.mirror.stdout).toBe('first\n13\n'); // the 13 sample hooks of the templates
    expect(a.stamp.stdout).toBe('65 B\n');
    expect(runOnce(image, ['when']).stdout).toBe('Thursday\n');
    for (const sub of ['version', 'mirror', 'stamp', 'when'] as const) {
      const o = runOnce(image, [sub]);
      const b = runOnce(s.tag, [sub]);
      expect({ sub, status: b.status, stdout: b.stdout, stderr: b.stderr.slice(0, 400) }).toEqual({ sub, status: o.status, stdout: o.stdout, stderr: o.stderr.slice(0, 400) });
    }
    expect(reasonsOf(s, '/usr/lib/git-core/git-upload-pack').join()).toMatch(/path in the strings of \/usr\/bin\/(git|scalar) \("\/usr\/lib\/git-core"\)/);
    expect(reasonsOf(s, '/usr/share/git-core/templates/description').join()).toMatch(/install prefix \/usr \+ "share\/git-core\/templates"/);
    expect(reasonsOf(s, '/usr/lib/x86_64-linux-gnu/gawk/ordchr.so').join()).toMatch(/path in the strings of \/usr\/bin\/gawk/);
  });

  it('python gettext: the catalog of another language than the one the run read (a family of one domain\'s catalogs)', async () => {
    const image = buildIn('reach', 'greeter');
    const s = slimOk(image);
    const paths = ['/?lang=de', '/?lang=ja', '/?lang=pt_BR', '/?lang=fr', '/?lang=xx'];
    const { original, differ } = await compareRoutes(image, s.tag, 8070, paths);
    expect(original.get('/?lang=de')!.body).toBe('Hallo, Welt\nAuf Wiedersehen\n');
    expect(original.get('/?lang=pt_BR')!.body).toBe('Olá, mundo\nTchau\n');
    expect(original.get('/?lang=xx')!.status).toBe(404);
    expect(differ).toEqual([]);
    const fam = s.report!.references.families.find((f) => f.pattern === '/usr/share/locale/*/LC_MESSAGES/greeter.mo');
    expect(fam).toMatchObject({ trigger: '/usr/share/locale/en/LC_MESSAGES/greeter.mo', files: 5 });
    expect(reasonsOf(s, '/usr/share/locale/ja/LC_MESSAGES/greeter.mo').join()).toMatch(/family of \/usr\/share\/locale\/en\/LC_MESSAGES\/greeter\.mo/);
  });

  it('a static Go server: a data directory by a compiled-in path (Go strings have no NUL between them)', async () => {
    const image = buildIn('reach', 'gotable');
    const s = slimOk(image);
    const paths = ['/table?name=cities', '/table?name=rivers', '/table?name=none'];
    const { original, differ } = await compareRoutes(image, s.tag, 8060, paths);
    expect(original.get('/table?name=rivers')!.body).toBe('river,km\nAmazon,6400\nNile,6650\n');
    expect(original.get('/table?name=none')!.status).toBe(404);
    expect(differ).toEqual([]);
    expect(reasonsOf(s, '/usr/share/gotable/tables/rivers.csv').join()).toMatch(/path in the strings of \/usr\/local\/bin\/gotable/);
  });
});
