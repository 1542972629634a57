// Reach (samples/reach/*): images whose unprobed paths need what kept code reaches by principle
// (library code's own lazy imports, the programs and libraries it runs and loads by name, the
// files it names in literals, redirects and here-documents, code known by the interpreter that
// read it, modules a C extension requires by name, every stage of a shell line). Each is slimmed with DEFAULT flags, then taken down paths the default probes never
// reach; the slim image must answer exactly like the original.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersAlike, buildReach, compareRoutes, ensureCli, runOnce, runsAlike, slimmedOnce } from './e2e.js';

const once = slimmedOnce();
const slimOk = once.slimOk;
beforeAll(() => ensureCli());
afterAll(() => once.cleanup());

describe('reach: what kept code reaches, by principle, on paths the probes never took', () => {
  it('python stdlib: zip archives (shutil imports zipfile inside a function), a library by name (ctypes.util.find_library runs /sbin/ldconfig), /etc/mime.types read on first use, terminfo entries by terminal name, a file the image\'s ENV names, ~/.netrc', async () => {
    const image = buildReach('pyctl');
    const s = slimOk(image);
    const paths = ['/archive', '/bzip', '/mime', '/term/vt100', '/term/screen', '/term/linux', '/pretty', '/limits', '/credentials'];
    const { original, differ } = await compareRoutes(image, s.tag, 8081, paths);
    for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
    // the original really did the work the slim one is held to
    expect(JSON.parse(original.get('/archive')!.body).files).toEqual(['a-ops.txt', 'b-sec.txt']);
    expect(JSON.parse(original.get('/bzip')!.body).found).toBe('libbz2.so.1.0');
    expect(JSON.parse(original.get('/mime')!.body)['.odt']).toBe('application/vnd.oasis.opendocument.text');
    expect(['vt100', 'screen', 'linux'].map((t) => JSON.parse(original.get(`/term/${t}`)!.body)[t])).toEqual([11, 6, 6]);
    expect(JSON.parse(original.get('/pretty')!.body).pretty).toBe('{\n    "a": [\n        2\n    ],\n    "b": 1\n}\n');
    expect(JSON.parse(original.get('/limits')!.body).queue).toBe('nightly');
    expect(JSON.parse(original.get('/credentials')!.body).login).toBe('ops');
    expect(differ).toEqual([]);
    // each kept with the mechanism and the file and line that named it
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/sbin/ldconfig')).toMatch(/ctypes\/util\.py:\d+/); // (/sbin is a link to usr/sbin)
    expect(reasons.get('/usr/lib/python3.11/json/tool.py')).toMatch(/imported by \/srv\/ctl\/ctl\.py:\d+ \(subprocess: command-line module json\.tool\)/);
    expect(reasons.get('/etc/mime.types')).toMatch(/path named in \/usr\/lib\/python3\.11\/mimetypes\.py:\d+/);
    expect(reasons.get('/opt/ctl/limits.json')).toBe("named by the image's config (Env CTL_LIMITS=/opt/ctl/limits.json)");
    expect(reasons.get('/root/.netrc')).toBe("configuration in the home of the app's user, /root");
    expect(reasons.get('/usr/lib/terminfo/v/vt100')).toMatch(/path in the strings of \/usr\/lib\/x86_64-linux-gnu\/libtinfo\.so\.6[\d.]* \("\/lib\/terminfo"\)/);
    expect(s.report!.references.byMechanism.map((m) => m.mechanism)).toEqual(expect.arrayContaining(['import', 'library', 'named']));
  });

  it('node: handlers in a file named .route (node code because node read it), a redirect target and a here-document of a subcommand', async () => {
    const image = buildReach('nodejobs');
    const s = slimOk(image);
    const { original, differ } = await compareRoutes(image, s.tag, 3001, ['/type?f=a.webm', '/type?f=notes.epub']);
    expect(original.get('/type?f=a.webm')!.body).toBe('{"name":"a.webm","type":"video/webm"}');
    const failures = [...differ];
    for (const sub of ['total', 'summary']) {
      const a = runOnce(image, [sub]);
      const b = runOnce(s.tag, [sub]);
      expect(a.status, `${sub} on the original: ${a.stderr}`).toBe(0);
      if (b.status !== a.status || b.stdout !== a.stdout) failures.push(`${sub}: exit ${b.status}, stdout ${JSON.stringify(b.stdout)}, stderr ${JSON.stringify(b.stderr.slice(0, 400))}`);
    }
    expect(runOnce(image, ['total']).stdout).toBe('3 jobs, total 7.75\n');
    expect(runOnce(image, ['summary']).stdout).toBe('Summary: 3 jobs this week, on call: ops\n');
    expect(failures).toEqual([]);
  });

  it('python packages with C extensions: a regular package over a namespace directory, an extension importing its siblings from C, distribution metadata; a node addon loaded by a computed path', () => {
    const failures: string[] = [];
    for (const [name, subs, want] of [
      ['pysci', ['summary', 'stats', 'render', 'versions'], { stats: '3.875 3.5 3.162\n', versions: '1 4 6\n' }],
      ['nodeaddon', ['count', 'get'], { get: 'blue\n' }],
    ] as const) {
      const image = buildReach(name);
      const s = slimOk(image);
      for (const sub of subs) {
        const a = runOnce(image, [sub]);
        const b = runOnce(s.tag, [sub]);
        expect(a.status, `${name} ${sub} on the original: ${a.stderr}`).toBe(0);
        const w = (want as Record<string, string>)[sub];
        if (w !== undefined) expect(a.stdout, `${name} ${sub}`).toBe(w);
        if (b.status !== 0 || b.stdout !== a.stdout) failures.push(`${name} ${sub}: exit ${b.status}, ${JSON.stringify(b.stdout)}, ${b.stderr.slice(-300)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('ruby: a module a C extension requires by name (psych.so: rb_require "psych/syntax_error"), every stage of a backtick pipeline, plugins found by a glob, a file required by a computed name from the app\'s own load path', () => {
    const image = buildReach('rbnotes');
    const s = slimOk(image);
    expect(runOnce(image, ['top']).stdout).toBe('      3 ship it\n      2 buy milk\n');
    expect(runOnce(image, ['export']).stdout).toMatch(/^---\nmonday: \|-\n  buy milk\n  ship it\n/);
    for (const sub of ['count', 'export', 'top', 'formats csv', 'formats words', 'plugin shout']) {
      const a = runOnce(image, sub.split(' '));
      const b = runOnce(s.tag, sub.split(' '));
      expect(a.status, `${sub} on the original: ${a.stderr}`).toBe(0);
      expect({ sub, status: b.status, stdout: b.stdout, stderr: b.stderr.slice(0, 400) }).toEqual({ sub, status: 0, stdout: a.stdout, stderr: '' });
    }
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/lib/ruby/3.1.0/psych/syntax_error.rb')).toMatch(/imported by \/usr\/lib\/x86_64-linux-gnu\/ruby\/3\.1\.0\/psych\.so \(rb_require psych\/syntax_error\)/);
    expect(reasons.get('/usr/bin/uniq')).toMatch(/command in \/app\/notes\.rb:\d+ \(backtick uniq\)/);
    expect(reasons.get('/usr/lib/notes-app/notes/formats/words.rb')).toMatch(/\/app\/notes\.rb:\d+ \(glob \/usr\/lib\/notes-app\/notes\/formats\/\*\.rb\)/);
    expect(reasons.get('/usr/lib/notes-app/notes/shout.rb')).toMatch(/\/app\/notes\.rb:\d+ \(load path \/usr\/lib\/notes-app\)/);
  });
  it('perl: DBI loads the driver the DSN names (require of a name built at run time, in a string eval), the app its formatter the same way', () => {
    const image = buildReach('pldb');
    const s = slimOk(image);
    expect(runOnce(image, ['total']).stdout).toBe('total 7 (sqlite 3.40.1)\n');
    runsAlike(image, s.tag, [['help'], ['add', 'tea', 'milk'], ['total'], ['csv'], ['json']]);
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/lib/x86_64-linux-gnu/perl5/5.36/DBD/SQLite.pm')).toMatch(/run-time name in \/usr\/lib\/x86_64-linux-gnu\/perl5\/5\.36\/DBI\.pm:\d+ \(require by name DBD\)/);
    expect(reasons.get('/app/lib/Ledger/Format/Json.pm')).toMatch(/run-time name in \/app\/ledger\.pl:\d+ \(require by name Ledger::Format\)/);
  });
  it('python plugins by entry points: the default run lists them (reads every entry_points.txt), a path loads one (imports the module named there)', () => {
    const image = buildReach('pyplug');
    const s = slimOk(image);
    expect(runOnce(image, ['render', 'csv']).stdout).toBe('rent,700\nmilk,2\n');
    runsAlike(image, s.tag, [['formats'], ['render', 'csv'], ['render', 'table']]);
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/local/lib/python3.11/dist-packages/ledgerfmt/tables.py')).toMatch(/imported by \/usr\/local\/lib\/python3\.11\/dist-packages\/ledgerfmt-1\.0\.dist-info\/entry_points\.txt:3 \(entry point \[ledger\.formats\] table ledgerfmt\.tables\)/);
  });
  it('shell: programs run by other programs (find -exec basename, xargs echo: the program, not the builtin), a function that runs its arguments, a library sourced by a computed name, a script run by a path built from an argument', () => {
    const image = buildReach('shtools');
    const s = slimOk(image);
    expect(runOnce(image, ['names']).stdout).toBe('pack.sh util.sh\n');
    expect(runOnce(image, ['job', 'reverse']).stdout).toBe('owt\neno\n');
    runsAlike(image, s.tag, [['hello'], ['names'], ['bzip'], ['plugin', 'pack'], ['job', 'reverse'], ['job', 'count']]);
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/bin/echo')).toMatch(/command in \/usr\/local\/bin\/tools:\d+ \(run by xargs echo\)/);
    expect(reasons.get('/usr/bin/basename')).toMatch(/command in \/usr\/local\/bin\/tools:\d+ \(find -exec basename\)/);
  });
  it('python packages\' own tables and data: pygments imports a lexer by a module name written in its table, babel reads CLDR files beside its modules, the app\'s package reads templates through importlib.resources', () => {
    const image = buildReach('pydata');
    const s = slimOk(image);
    expect(runOnce(image, ['money', 'de_DE']).stdout).toBe('1.234,50\u00a0€\n');
    runsAlike(image, s.tag, [['hello'], ['hl', 'python'], ['hl', 'ruby'], ['money', 'de_DE'], ['money', 'ja_JP'], ['date', 'fr_FR'], ['report', 'weekly'], ['report', 'monthly']]);
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/lib/python3/dist-packages/pygments/lexers/ruby.py')).toMatch(/_mapping\.py:\d+ \(module named in a string pygments\.lexers\.ruby\)/);
    expect(reasons.get('/usr/lib/python3/dist-packages/babel/locale-data')).toMatch(/babel\/localedata\.py:\d+ \(beside the module \$\{__DIR__\}\/locale-data\)/);
    expect(reasons.get('/app/reports/templates/monthly.txt')).toMatch(/\/app\/reports\/__init__\.py:\d+ \(package resource \.:templates\)/);
  });
  it('module names written in strings: Django imports its template processors, the mail backend of the settings and the locale formats by names written as strings (a module and an attribute, a template of module names)', async () => {
    const image = buildReach('djsite');
    const s = slimOk(image);
    const paths = ['/stats', '/mail', '/when', '/i18n'];
    const original = await answersAlike(image, s.tag, 8000, paths);
    expect(original.get('/stats')!.body).toContain('count: 1,234,567 (1.2 million)');
    expect(original.get('/when')!.body).toContain('1,234.50');
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    const dj = '/usr/lib/python3/dist-packages/django';
    expect(reasons.get(`${dj}/core/mail/backends/console.py`)).toMatch(/mysite\/settings\.py:\d+ \(module named in a string django\.core\.mail\.backends\.console\.EmailBackend\)/);
    expect(reasons.get(`${dj}/conf/locale/en/formats.py`)).toMatch(/utils\/formats\.py:\d+ \(module name template django\.conf\.locale\)/);
  });

  it('ruby features by name: tilt\'s lazy template table, a gem\'s require_paths, files globbed beside the file, autoload by constant name, libruby\'s own rb_require', async () => {
    const image = buildReach('rbsite');
    const s = slimOk(image);
    const paths = ['/page', '/as', '/nfd', '/digest', '/yaml', '/csv'];
    const original = await answersAlike(image, s.tag, 4567, paths);
    expect(original.get('/as')!.body).toMatch(/^1\.18 MB \| 1,234,567 \| people \| HelloWorld \| €12\.50/);
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/lib/ruby/vendor_ruby/tilt/erb.rb') ?? [...reasons].find(([p]) => p.endsWith('/tilt/erb.rb'))?.[1]).toMatch(/feature named in a string tilt\/erb/);
    expect([...reasons].find(([p]) => p.endsWith('/number_helper/number_to_human_size_converter.rb'))?.[1]).toMatch(/autoload by name/);
    expect(reasons.get('/usr/lib/ruby/3.1.0/unicode_normalize/normalize.rb')).toMatch(/imported by \/usr\/lib\/x86_64-linux-gnu\/libruby[\w.-]* \(rb_require unicode_normalize\/normalize\.rb\)/);
  });
  it('the app\'s stores: a repository read and a key ring written in by the default run are kept whole, so history, clone and signing work', () => {
    const image = buildReach('stores');
    const s = slimOk(image);
    runsAlike(image, s.tag, [['check'], ['history'], ['show'], ['clone'], ['sign']], { stderr: false });
    expect(runOnce(image, ['history']).stdout).toBe('two\none\n');
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    const secret = [...reasons].find(([p]) => p.startsWith('/root/.gnupg/private-keys-v1.d/') && p.endsWith('.key'));
    expect(secret?.[1]).toMatch(/the app's state in \/root\/\.gnupg \(the run wrote \/root\/\.gnupg\//);
    expect([...reasons].filter(([p, r]) => p.startsWith('/srv/repo/.git/objects/') && /the run read the repository \/srv\/repo\/\.git/.test(r)).length).toBeGreaterThan(3);
  });

  it('php class maps: Twig\'s generated autoloader requires each class\'s file from its own dir by a name in its table', async () => {
    const image = buildReach('phptwig');
    const s = slimOk(image);
    const paths = ['/twig', '/intl', '/pdo', '/mb'];
    const original = await answersAlike(image, s.tag, 8081, paths);
    expect(original.get('/twig')!.body).toContain('<li>1 A</li>');
    const reasons = new Map(s.report!.kept.map((k) => [k.path, k.reasons.join('; ')]));
    expect(reasons.get('/usr/share/php/Twig/Environment.php')).toMatch(/Twig\/autoload\.php:\d+ \(class map beside the file/);
  });
});
