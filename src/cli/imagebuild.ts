// slimts imagebuild: a thin commander handler over imageBuild().
import type { Command } from 'commander';
import { parseLayerFormat } from '../oci/layer-format.js';
import { UserError } from '../util/errors.js';
import { EXE_DEFAULT_HELP, EXE_FLAG } from '../util/host-dest.js';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function registerImagebuild(program: Command): void {
  program
    .command('imagebuild')
    .description('Build an image from host executables: each ships with its ELF interpreter and libraries, a script with its interpreter and what its code imports and runs; verified against the host')
    .option(EXE_FLAG, `host executable to ship (repeatable; ${EXE_DEFAULT_HELP}; the first is the entrypoint)`, collect)
    .option('--path <HOST[:DEST]>', 'file or directory to copy (repeatable; default DEST is the absolute host path)', collect)
    .option('--from <IMAGE>', 'base image (engine name, oci:DIR, oci-archive:PATH, docker-archive:PATH); default: scratch')
    .option('--entrypoint <CMD>', 'entrypoint: JSON array, or a string split like a shell would without running one')
    .option('--cmd <CMD>', 'default arguments: JSON array or a string')
    .option('--env <K=V>', 'environment variable (repeatable)', collect)
    .option('--workdir <DIR>', 'working directory (absolute)')
    .option('--user <USER>', 'user[:group] to run as')
    .option('--expose <PORT[/PROTO]>', 'port to expose (repeatable)', collect)
    .option('--label <K=V>', 'label (repeatable)', collect)
    .option('--platform <OS/ARCH>', 'target platform; must match the executables')
    .option('--tag <NAME[:TAG]>', 'image name (default: first exe basename:latest)')
    .option('--output <PATH>', 'write an OCI archive (PATH.tar) or OCI layout dir instead of loading into the engine')
    .option('--push <REF>', 'push to a registry (HOST[:PORT]/NAME[:TAG]) instead of loading into the engine')
    .option('--insecure-registry', 'talk plain http to the --push registry (loopback hosts always do)')
    .option('--format <format>', 'layer format: gzip (default) or estargz (lazy pulling; the executables and their libraries prefetched first)')
    .option('--no-certs', 'leave the CA store out even when a TLS library is included')
    .option('--allow-host-path <DIR>', 'host directory a path named by code or compiled into a binary may be copied from, beyond /usr, /bin, /sbin, /lib* (repeatable; credentials and private files never are)', collect)
    .option('--verify [ARGS]', 'run the image once (with ARGS instead of its cmd) and compare exit code and output with the host (default: on when the command takes no input)')
    .option('--no-verify', 'do not run the image')
    .option('--verify-timeout <S>', 'seconds each verify run may take', '10')
    .option('-v, --verbose', 'list every file put in the image and why')
    .action(async (o: Record<string, string | string[] | boolean | undefined>) => {
      // Loaded on use: other commands and --help need none of the image machinery.
      const { imageBuild } = await import('../imagebuild/index.js');
      const res = await imageBuild({
        exe: (o.exe as string[] | undefined) ?? [],
        path: (o.path as string[] | undefined) ?? [],
        from: o.from as string | undefined,
        entrypoint: o.entrypoint as string | undefined,
        cmd: o.cmd as string | undefined,
        env: (o.env as string[] | undefined) ?? [],
        workdir: o.workdir as string | undefined,
        user: o.user as string | undefined,
        expose: (o.expose as string[] | undefined) ?? [],
        label: (o.label as string[] | undefined) ?? [],
        platform: o.platform as string | undefined,
        tag: o.tag as string | undefined,
        output: o.output as string | undefined,
        push: o.push as string | undefined,
        insecureRegistry: o.insecureRegistry as boolean | undefined,
        format: parseLayerFormat(o.format as string | undefined),
        certs: o.certs as boolean,
        verify: o.verify as boolean | string | undefined,
        verifyTimeout: parseSeconds(o.verifyTimeout as string),
        allowHostPath: (o.allowHostPath as string[] | undefined) ?? [],
      });
      if (o.verbose) {
        for (const f of res.files) process.stderr.write(`  ${f.path}  (${f.reason})\n`);
        for (const u of unresolvedLines(res.unresolved)) process.stderr.write(`  unresolved: ${u}\n`);
      }
      for (const r of res.refused) process.stderr.write(`imagebuild: not copied from the host: ${r.path} (${r.by}): ${r.why}\n`);
      for (const d of res.dataSets) process.stderr.write(`imagebuild: + ${d.what} (for ${d.trigger})\n`);
      if (res.verify) process.stderr.write(`imagebuild: verify: \`${res.verify.command.join(' ')}\` ${res.verify.ran ? 'answers in the image as on the host' : res.verify.note}\n`);
      process.stdout.write(`${res.where}\n`);
      process.stderr.write(`imagebuild: ${res.files.length} files, ${formatBytes(res.size)} layer, ${res.platform}\n`);
    });
}

/** One line per name, file and cause: a module written on five lines of one file is one line with five numbers. */
function unresolvedLines(list: ReadonlyArray<{ name: string; from: string; line: number; why: string }>): string[] {
  const lines = new Map<string, { head: string; why: string; at: number[] }>();
  for (const u of list) {
    const key = `${u.name}\0${u.from}\0${u.why}`;
    const seen = lines.get(key) ?? { head: `${u.name} (${u.from}`, why: u.why, at: [] };
    if (!seen.at.includes(u.line)) seen.at.push(u.line);
    lines.set(key, seen);
  }
  return [...lines.values()].map((l) => `${l.head}:${l.at.sort((a, b) => a - b).join(',')}: ${l.why})`);
}

function parseSeconds(s: string): number {
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s) || n <= 0 || n > 3600) throw new UserError(`--verify-timeout: expected seconds (0 < S <= 3600), got ${JSON.stringify(s)}`);
  return n;
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}
