// POSIX shell (sh, dash, bash): the command word of every simple command in every branch
// (case arms, if/else, functions, pipelines, $(...) and `...`), wrapped commands (exec, env,
// nohup, gosu...), `sh -c` strings, code and modules given to an interpreter (`python3 -c`,
// `perl -MX -e`, `node -r`), sourced files, and absolute paths named anywhere.
// Variables assigned a literal in the script are expanded; `$(dirname "$0")`-style script
// directories become `${__DIR__}`; other variables are left as `${NAME}` for the resolver to
// expand from the image's environment.
import type { Lang, RawRef } from '../types.js';
import { langOfProgram } from './lang.js';
import { GLOB_PATH } from './glob.js';

type Tok = { t: 'word'; v: string; line: number } | { t: 'op'; v: string; line: number }
  /** A here-document: where its `<<TAG` stands, its body (`v`) and the line the body starts on (`body`). */
  | { t: 'heredoc'; v: string; line: number; body: number; quoted: boolean };

/** Scans text of another language (a here-document fed to an interpreter): given by scan/index.ts. */
export type Embedded = (lang: Lang, text: string) => RawRef[];

const KEYWORDS_CMD_NEXT = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time', '{', '(', '((']);
const KEYWORDS_END = new Set(['fi', 'done', 'esac', '}', ')', '))', ']]']);
const WRAPPERS = new Set(['exec', 'command', 'nohup', 'env', 'sudo', 'nice', 'timeout', 'setsid', 'stdbuf', 'ionice',
  'chroot', 'gosu', 'su-exec', 'xargs', 'busybox', 'tini', 'dumb-init', 'chpst', 'runuser', 'setpriv', 'taskset', 'unbuffer', 'flock', 'watch', 'strace']);
/** Wrappers whose first non-option argument is not the command (a user, a duration, a dir, a lock file...). */
const WRAPPER_ARG = new Set(['gosu', 'su-exec', 'timeout', 'chroot', 'flock', 'taskset', 'chpst']);
/** Wrappers' options that take a value as the next word (`sudo -u app whoami`, `runuser -u app -- id`). */
const OPTION_VALUE: Record<string, RegExp> = {
  sudo: /^-[ugCDhprtUT]$/, runuser: /^-[ugG]$/, setpriv: /^--(reuid|regid|groups|inh-caps|bounding-set)$/, nice: /^-n$/, ionice: /^-[cnp]$/, stdbuf: /^-[ioe]$/, env: /^-[uSC]$/,
};
/** Programs that run a shell command line given with -c after their own arguments (`su -s /bin/sh app -c '…'`). */
const SU = /^(su|runuser)$/;
/** A word naming a path built from variables between literal parts (`/jobs/"$1".sh`, `/etc/app/${NAME}.conf`). */
const BUILT_PATH = /^\/[\w.@+,:=~%-]+(?:\/[\w.@+,:=~%-]+)*\/[\w.@+,:=~%-]*\$\{?\w+\}?[\w.@+,:=~%-]*\.[\w]+$/;
const SCRIPT_DIR = [
  /\$\(\s*cd\s+"?\$\(\s*dirname\s+"?\$\{?(?:0|BASH_SOURCE(?:\[0\])?)\}?"?\s*\)"?\s*(?:&&|;)\s*pwd(?:\s+-P)?\s*\)/g,
  /`\s*cd\s+"?`?\s*dirname\s+"?\$\{?0\}?"?`?"?\s*(?:&&|;)\s*pwd\s*`/g,
  /\$\(\s*dirname\s+"?\$\{?(?:0|BASH_SOURCE(?:\[0\])?)\}?"?\s*\)/g,
  /`\s*dirname\s+"?\$\{?0\}?"?\s*`/g,
  /\$\{(?:0|BASH_SOURCE(?:\[0\])?)%\/\*\}/g,
];
const ABS_PATH = /^\/[\w.@+,:=~%-]*(?:\/[\w.@+,:=~%-]*)*$/;

export function scanShell(text: string, embedded?: Embedded): RawRef[] {
  let src = text;
  for (const re of SCRIPT_DIR) src = src.replace(re, '${__DIR__}');
  const toks = tokenize(src);
  return analyse(toks, 0, embedded);
}

/** Absolute paths written in free text (a here-document fed to a program that is not an interpreter). */
const TEXT_PATH = /(?:^|[\s'"=(,<>:])(\/[\w.@+,=~%-]+(?:\/[\w.@+,=~%-]+)+)/g;

function analyse(toks: Tok[], depth: number, embedded?: Embedded): RawRef[] {
  const out: RawRef[] = [];
  const vars = new Map<string, string>();
  const functions = new Set<string>();
  const ref = (kind: RawRef['kind'], name: string, line: number, how: string) => out.push({ lang: 'shell', kind, name, line, how });

  // First pass: literal assignments and function names, so uses before the definition expand too.
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i]!;
    if (k.t !== 'word') continue;
    const a = /^([A-Za-z_]\w*)=(.*)$/.exec(k.v);
    if (a && !vars.has(a[1]!)) vars.set(a[1]!, a[2]!);
    const next = toks[i + 1];
    if (/^[\w.:-]+\(\)$/.test(k.v)) functions.add(k.v.slice(0, -2));
    else if (next?.t === 'op' && next.v === '(' && toks[i + 2]?.v === ')') functions.add(k.v);
    if (k.v === 'function' && next?.t === 'word') functions.add(next.v.replace(/\(\)$/, ''));
  }
  const runsArgs = functionsRunningArgs(toks, functions);
  const expand = (w: string): string => {
    let s = w;
    for (let round = 0; round < 4 && /\$/.test(s); round++) {
      s = s.replace(/\$\{(\w+)(?::?[-=][^}]*)?\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        if (name === '__DIR__') return '${__DIR__}';
        const v = vars.get(name);
        // ${X:-default}: the default when the script never sets X
        if (v === undefined) {
          const d = /^\$\{\w+:?[-=]([^}]*)\}$/.exec(all);
          return d && !/\$/.test(d[1]!) ? d[1]! : `\${${name}}`;
        }
        return v;
      });
      if (!/\$(?!\{\w+\})/.test(s)) break;
    }
    return s.replace(/^["']|["']$/g, '');
  };

  let cmdPos = true;
  let skipUntil: string | undefined; // 'do' after for/select, 'in' after case
  let inCasePatterns = false;
  let wrapper: string | undefined;
  let wrapperSkip = 0;
  let runBy: string | undefined; // the wrapper program that runs the next command word (not the shell)
  let findExec = false;
  let sourceNext = false;
  let shellC = 0; // 1: saw sh/bash, 2: saw -c
  let suC = false; // saw su/runuser: a -c among its arguments gives a shell command line
  let interp: { lang: Lang; next?: 'code' | 'module' } | undefined; // an interpreter's options being read
  const frames: Array<{ kind: string; cmdPos: boolean }> = [];
  let command: string | undefined; // the program of the simple command being read
  /** A redirect's target: an absolute path there is read or written by the command. */
  const redirectTarget = (t: Tok | undefined, how: string) => {
    if (t?.t !== 'word') return;
    const v = expand(t.v);
    if (ABS_PATH.test(v) || /^\$\{\w+\}[\w.@+,:=~%/-]*$/.test(v)) ref('path', v, t.line, how);
  };
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i]!;
    if (k.t === 'heredoc') {
      out.push(...hereDocument(k, command, expand, embedded, depth));
      continue;
    }
    if (k.t === 'op') {
      const top = frames[frames.length - 1];
      if (k.v === '$(' || (k.v === '`' && top?.kind !== '`') || k.v === '(') {
        frames.push({ kind: k.v, cmdPos });
        cmdPos = true;
      } else if ((k.v === ')' && top && top.kind !== '`') || (k.v === '`' && top?.kind === '`')) {
        // the end of $(...), `...` or a subshell: back to where the substitution stood
        frames.pop();
        cmdPos = top!.kind === '(' ? false : top!.cmdPos;
      } else if (k.v === ';;' || k.v === ';&' || k.v === ';;&') {
        inCasePatterns = true;
        cmdPos = false;
      } else if (k.v === ')' && inCasePatterns) {
        inCasePatterns = false;
        cmdPos = true;
      } else if (['>', '>>', '<', '<<<', '>&', '<&', '&>', '>|', '2>', '2>>', '&>>'].includes(k.v)) {
        // the redirect target is not a command, but a file the command reads or writes
        if (k.v !== '<<<') redirectTarget(toks[i + 1], `redirect ${k.v}`);
        i++;
      } else {
        cmdPos = true;
        command = undefined;
      }
      wrapper = undefined;
      runBy = undefined;
      findExec = false;
      sourceNext = false;
      shellC = 0;
      suC = false;
      interp = undefined;
      continue;
    }
    const w = k.v;
    if (skipUntil) {
      // `for f in /etc/app/conf.d/*.conf /opt/x`: the list's paths are read by the loop's body
      const listed = skipUntil === 'do' ? expand(w) : '';
      if (ABS_PATH.test(listed)) ref('path', listed, k.line, 'named');
      else if (GLOB_PATH.test(listed)) ref('path', listed, k.line, 'glob');
      if (w === skipUntil) {
        skipUntil = undefined;
        if (w === 'in') {
          inCasePatterns = true;
          cmdPos = false;
        } else cmdPos = true;
      }
      continue;
    }
    if (inCasePatterns) {
      if (w === 'esac') inCasePatterns = false;
      continue;
    }
    const v = expand(w);
    // a path named anywhere, also as an assignment's value
    const named = /^[A-Za-z_]\w*=/.test(v) ? v.slice(v.indexOf('=') + 1) : v;
    // also "$VAR/x" for a variable only the image's environment sets (the resolver expands it)
    if (!sourceNext && (ABS_PATH.test(named) || /^\$\{\w+\}[\w.@+,:=~%/-]*$/.test(named))) ref('path', named, k.line, 'named');
    else if (!sourceNext && GLOB_PATH.test(named)) ref('path', named, k.line, 'glob'); // for f in /etc/app/conf.d/*.conf
    // a path built from a variable between literal parts: what the literal parts match
    else if (BUILT_PATH.test(named)) ref('path', named.replace(/\$\{?\w+\}?/g, '*'), k.line, 'glob of a built path');
    if (sourceNext) {
      ref('source', v, k.line, 'source');
      sourceNext = false;
      continue;
    }
    if (interp) {
      // `python3 -c CODE`, `perl -e CODE`, `node -r MOD`...: code and modules given on the command line
      const next = interp.next;
      if (next) {
        interp.next = undefined;
        if (next === 'module') out.push({ lang: interp.lang, kind: 'import', name: v, line: k.line, how: 'command-line module' });
        else {
          if (embedded) out.push(...embedded(interp.lang, v).map((r) => ({ ...r, line: k.line + r.line - 1 })));
          interp = undefined; // what follows the code is its arguments
        }
        continue;
      }
      const said = interpreterOption(interp.lang, v);
      if (said === undefined) interp = undefined; // the script: the options are over
      else {
        if (typeof said === 'object') out.push({ lang: interp.lang, kind: 'import', name: said.module, line: k.line, how: 'command-line module' });
        else if (said !== 'other') interp.next = said;
        continue;
      }
    }
    if (shellC === 2) {
      ref('command', '', k.line, 'sh -c'); // placeholder, replaced below
      out.pop();
      out.push(...analyse(tokenize(v), depth + 1).map((r) => ({ ...r, line: k.line })));
      shellC = 0;
      suC = false;
      continue;
    }
    if (shellC === 1) {
      shellC = w === '-c' ? 2 : /^-/.test(w) ? 1 : 0;
      continue;
    }
    if (suC) { // su's own options and the user come before -c
      if (w === '-c' || w === '--command') shellC = 2;
      continue;
    }
    if (wrapper) {
      if (/^-/.test(w) || /^\w+=/.test(w)) {
        if (OPTION_VALUE[wrapper]?.test(w)) i++;
        continue;
      }
      if (wrapperSkip > 0) {
        wrapperSkip--;
        continue;
      }
      wrapper = undefined;
      cmdPos = true;
    }
    if (findExec) { // find -exec CMD {} \; : find runs CMD for each file
      findExec = false;
      if (v !== '' && !/[*?{}]/.test(v)) out.push({ lang: 'shell', kind: 'command', name: v, line: k.line, how: 'find -exec', external: true });
      continue;
    }
    if (!cmdPos && command !== undefined && /(^|\/)find$/.test(command) && /^-(exec|execdir|ok|okdir)$/.test(w)) {
      findExec = true;
      continue;
    }
    if (!cmdPos) continue;
    if (KEYWORDS_END.has(w)) continue;
    if (KEYWORDS_CMD_NEXT.has(w)) continue;
    if (w === 'for' || w === 'select') {
      skipUntil = 'do';
      continue;
    }
    if (w === 'case') {
      skipUntil = 'in';
      cmdPos = false;
      continue;
    }
    if (w === 'function') {
      i++;
      continue;
    }
    if (/^[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(w)) continue; // assignment before the command
    if (/^[\w.:-]+\(\)$/.test(w)) continue; // function definition
    if (/^\d*[<>]/.test(w)) {
      if (/^\d*[<>]&?$/.test(w)) redirectTarget(toks[++i], `redirect ${w}`);
      continue;
    }
    cmdPos = false;
    if (w === '.' || w === 'source') {
      sourceNext = true;
      continue;
    }
    if (w === '[[' || w === '[' || w === 'test') continue;
    if (v === '' || /[*?]/.test(v)) continue;
    if (!functions.has(v)) out.push({ lang: 'shell', kind: 'command', name: v, line: k.line, how: runBy ? `run by ${runBy}` : 'command', ...(runBy ? { external: true } : {}) });
    command = v;
    const base = v.slice(v.lastIndexOf('/') + 1);
    runBy = undefined;
    if (WRAPPERS.has(base)) {
      wrapper = base;
      wrapperSkip = WRAPPER_ARG.has(base) ? 1 : 0;
      // `command X` and `builtin X` are the shell's own lookup; every other wrapper is a program that execs X
      if (base !== 'command') runBy = base;
    } else if (runsArgs.has(v)) {
      wrapper = v; // a function whose body runs "$@": its first argument is a command
      wrapperSkip = 0;
      runBy = runsArgs.get(v);
    }
    if (/^(sh|bash|dash|ash|ksh|zsh)$/.test(base) && depth < 3) shellC = 1;
    if (SU.test(base) && depth < 3) suC = true;
    const lang = langOfProgram(base);
    if (lang && lang !== 'shell') interp = { lang };
  }
  return out;
}

/**
 * Functions whose body runs their arguments as a command (`retry() { "$@" || "$@"; }`,
 * `as_app() { exec gosu app "$@"; }`): a call's first argument is a command word.
 */
function functionsRunningArgs(toks: Tok[], functions: ReadonlySet<string>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>(); // the function, and the program that runs its arguments (undefined: the shell)
  const ARGS = /^"?\$(?:@|\{@\}|\*|\{\*\})"?$/;
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i]!;
    if (k.t !== 'word') continue;
    const name = /^([\w.:-]+)\(\)$/.exec(k.v)?.[1] ?? (toks[i + 1]?.v === '(' && toks[i + 2]?.v === ')' && functions.has(k.v) ? k.v : undefined);
    if (!name) continue;
    let j = i + 1;
    while (j < toks.length && toks[j]!.v !== '{') j++;
    let depth = 0;
    for (; j < toks.length; j++) {
      const t = toks[j]!;
      if (t.v === '{') depth++;
      else if (t.v === '}' && --depth === 0) break;
      else if (t.t === 'word' && ARGS.test(t.v)) {
        // "$@" as the command word, or among the arguments of a wrapper (`exec gosu app "$@"`)
        let start = j;
        while (start > 0 && toks[start - 1]!.t === 'word' && !KEYWORDS_CMD_NEXT.has(toks[start - 1]!.v)) start--;
        const before = toks.slice(start, j).map((w) => w.v.slice(w.v.lastIndexOf('/') + 1));
        const wrapper = before.filter((w) => WRAPPERS.has(w)).pop();
        if (before.length === 0 || wrapper === 'command') out.set(name, out.get(name));
        else if (wrapper) out.set(name, wrapper);
      }
    }
  }
  return out;
}

/**
 * What an interpreter's command-line word says: the next word is code (`-c`, `-e`) or a module
 * (`-m`, `-r`), it names a module itself (`-MPOSIX`, `-rjson`), it is another option, or it is
 * the script (undefined: the options are over).
 */
function interpreterOption(lang: Lang, w: string): 'code' | 'module' | 'other' | { module: string } | undefined {
  if (!w.startsWith('-')) return undefined;
  switch (lang) {
    case 'python':
      return w === '-c' ? 'code' : w === '-m' ? 'module' : /^-[A-Za-z]*c$/.test(w) ? 'code' : 'other';
    case 'perl': {
      if (w === '-e' || w === '-E') return 'code';
      const m = /^-M-?([A-Za-z_][\w:]*)/.exec(w);
      return m ? { module: m[1]! } : 'other';
    }
    case 'ruby': {
      if (w === '-e') return 'code';
      if (w === '-r') return 'module';
      return /^-r./.test(w) ? { module: w.slice(2) } : 'other';
    }
    case 'node':
      return ['-e', '--eval', '-p', '--print'].includes(w) ? 'code' : ['-r', '--require', '--import'].includes(w) ? 'module' : 'other';
    case 'php':
      return w === '-r' ? 'code' : 'other';
    default:
      return 'other';
  }
}

/** Words and operators, with quotes kept inside words and each here-document's body as one token where its `<<` stands. */
function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  let word = '';
  let wordLine = 1;
  const heredocs: Array<{ tag: string; strip: boolean; tok: Extract<Tok, { t: 'heredoc' }> }> = [];
  const flush = () => {
    if (word !== '') toks.push({ t: 'word', v: word, line: wordLine });
    word = '';
  };
  const op = (v: string) => {
    flush();
    toks.push({ t: 'op', v, line });
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      op('\n');
      line++;
      i++;
      // heredoc bodies start on the next line
      while (heredocs.length > 0) {
        const h = heredocs.shift()!;
        h.tok.body = line;
        const body: string[] = [];
        for (;;) {
          const nl = src.indexOf('\n', i);
          const text = src.slice(i, nl < 0 ? n : nl);
          i = nl < 0 ? n : nl + 1;
          line++;
          if ((h.strip ? text.replace(/^\t+/, '') : text) === h.tag || nl < 0) break;
          body.push(h.strip ? text.replace(/^\t+/, '') : text);
        }
        h.tok.v = body.join('\n');
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      flush();
      i++;
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') {
        line++;
        i += 2;
        continue;
      }
      if (word === '') wordLine = line;
      word += src[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (c === '#' && word === '') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === "'" || c === '"') {
      if (word === '') wordLine = line;
      let j = i + 1;
      let inner = '';
      while (j < n && src[j] !== c) {
        if (c === '"' && src[j] === '\\' && j + 1 < n) {
          inner += src[j + 1];
          j += 2;
          continue;
        }
        // a command substitution inside double quotes: its words are commands too
        if (c === '"' && ((src[j] === '$' && src[j + 1] === '(' && src[j + 2] !== '(') || src[j] === '`')) {
          const open = src[j] === '`' ? j + 1 : j + 2;
          const close = src[j] === '`' ? src.indexOf('`', open) : matchParen(src, open);
          const end = close < 0 ? n : close;
          const body = src.slice(open, end);
          toks.push({ t: 'op', v: '$(', line }, ...tokenize(body).map((s) => ({ ...s, line })), { t: 'op', v: ')', line });
          inner += src.slice(j, Math.min(n, end + 1));
          for (const ch of body) if (ch === '\n') line++;
          j = end + 1;
          continue;
        }
        if (src[j] === '\n') line++;
        inner += src[j];
        j++;
      }
      word += inner;
      i = j + 1;
      continue;
    }
    if (c === '$' && src[i + 1] === '(' && src[i + 2] !== '(') {
      op('$(');
      i += 2;
      continue;
    }
    if (c === '$' && src[i + 1] === '{') {
      const end = src.indexOf('}', i);
      if (word === '') wordLine = line;
      word += src.slice(i, end < 0 ? n : end + 1);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === '`') {
      op('`');
      i++;
      continue;
    }
    if (c === '<' && src[i + 1] === '<' && src[i + 2] !== '<') {
      const m = /^<<(-?)\s*(['"]?)([\w.-]+)\2/.exec(src.slice(i, i + 80));
      if (m) {
        flush();
        const tok = { t: 'heredoc' as const, v: '', line, body: line + 1, quoted: m[2] !== '' };
        toks.push(tok);
        heredocs.push({ tag: m[3]!, strip: m[1] === '-', tok });
        i += m[0].length;
        continue;
      }
    }
    const ops = [';;&', ';;', ';&', '&&', '||', '((', '))', '>>', '<<<', '>&', '<&', '&>', '>|', '|&', ';', '&', '|', '(', ')', '<', '>', '{', '}'];
    const o = ops.find((p) => src.startsWith(p, i));
    if (o && (o !== '{' && o !== '}' ? true : word === '' && /[\s;]/.test(src[i + 1] ?? ' '))) {
      // "2>" and "&>" style redirects: a digit word right before > is part of the redirect
      if ((o === '>' || o === '>>' || o === '<') && /^\d$/.test(word)) word = '';
      op(o);
      i += o.length;
      continue;
    }
    if (word === '') wordLine = line;
    word += c;
    i++;
  }
  flush();
  return toks;
}

/** The offset of the ")" closing a "$(" whose body starts at `from` (quotes and nesting respected), or -1. */
function matchParen(src: string, from: number): number {
  let depth = 1;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === "'") {
      const e = src.indexOf("'", i + 1);
      if (e < 0) return -1;
      i = e;
    } else if (c === '"') {
      for (i++; i < src.length && src[i] !== '"'; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '$' && src[i + 1] === '(') {
          const e = matchParen(src, i + 2);
          if (e < 0) return -1;
          i = e;
        }
      }
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * What a here-document names: read as code when the command it feeds is an interpreter
 * (`python3 - <<EOF`, `sh <<EOF`), else the absolute paths written in it. A quoted tag's body
 * is literal; an unquoted one's `$VAR`s are the script's.
 */
function hereDocument(k: Extract<Tok, { t: 'heredoc' }>, command: string | undefined, expand: (w: string) => string, embedded: Embedded | undefined, depth: number): RawRef[] {
  const body = k.quoted ? k.v : k.v.replace(/\$\{?\w+\}?/g, (w) => expand(w));
  const prog = command?.slice(command.lastIndexOf('/') + 1);
  const lang = prog ? langOfProgram(prog) : undefined;
  const at = (r: RawRef): RawRef => ({ ...r, line: r.line + k.body - 1 });
  if (lang === 'shell' && depth < 3) return analyse(tokenize(body), depth + 1, embedded).map(at);
  if (lang && embedded) return embedded(lang, body).map(at);
  const out: RawRef[] = [];
  const lines = body.split('\n');
  for (let n = 0; n < lines.length; n++) {
    for (const m of lines[n]!.matchAll(TEXT_PATH)) out.push({ lang: 'shell', kind: 'path', name: m[1]!, line: k.body + n, how: 'here-document' });
  }
  return out;
}
