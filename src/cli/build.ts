// `slimts build IMAGE`: a thin handler mapping flags onto build(); prints a summary (or the
// report as JSON), writes slim.report.json, and exits 0 / 2 bad input / 3 verify failed.
import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BuildOptions, Stage } from '../slim/index.js';
import {
  megabytes, nonNegInt, positiveInt, parseApiSpec, parseCommand, parseContinueAfter, parseHttpProbeCmd, readHttpProbeFile, readPathsFile,
} from '../slim/flags.js';
import { normalizeCap } from '../run/caps.js';
import { interruptSignal } from '../util/cleanup.js';
import { UserError } from '../util/errors.js';
import { EXE_DEFAULT_HELP, EXE_FLAG } from '../util/host-dest.js';
import { parseLayerFormat } from '../oci/layer-format.js';

interface Flags {
  entrypoint?: string; cmd?: string; env: string[]; workdir?: string; user?: string; mount: string[]; network?: string;
  capAdd: string[]; capDrop: string[];
  pull?: boolean; platform?: string; continueAfter?: string; timeout?: string; stopTimeout?: string;
  httpProbeCmd: string[]; httpProbeFile?: string; exec: string[]; probeScript?: string; httpProbe: boolean;
  crawlDepth?: string; crawlMax?: string; probeWait?: string; fanotify?: boolean;
  httpProbeApispec?: string[]; httpProbeUnsafe?: boolean; probeConcurrency?: string;
  includePath: string[]; includeBin: string[]; includeExe: string[]; includeShell?: boolean; exe: string[];
  exclude: string[]; includePathsFile: string[]; references: boolean; dropOptional?: boolean;
  binaryDirLimit?: string; familyLimit?: string;
  tag?: string; output?: string; push?: string; insecureRegistry?: boolean; format?: string; read?: string;
  newEntrypoint?: string; newCmd?: string; newEnv: string[]; newLabel: string[]; newExpose: string[]; newWorkdir?: string;
  removeEnv: string[]; removeLabel: string[]; removeExpose: string[]; removeVolume: string[]; removeHealthcheck?: boolean;
  verify: boolean; report?: string; html?: string; json?: boolean; harden?: boolean; seccompProfile?: string;
  packageDb?: boolean; sbom?: string;
  observations?: string[];
}

const many = (v: string, prev: string[] = []) => [...prev, v];

export function toBuildOptions(image: string, f: Flags): BuildOptions {
  const http = [...f.httpProbeCmd.map(parseHttpProbeCmd), ...(f.httpProbeFile ? readHttpProbeFile(f.httpProbeFile) : [])];
  return {
    image,
    pull: f.pull,
    platform: f.platform,
    run: {
      entrypoint: f.entrypoint !== undefined ? parseCommand(f.entrypoint, '--entrypoint') : undefined,
      cmd: f.cmd !== undefined ? parseCommand(f.cmd, '--cmd') : undefined,
      env: f.env.length ? f.env : undefined,
      workdir: f.workdir,
      user: f.user,
      mounts: f.mount.length ? f.mount : undefined,
      network: f.network,
      capAdd: f.capAdd.length ? f.capAdd.map((c) => normalizeCap(c, '--cap-add')) : undefined,
      capDrop: f.capDrop.length ? f.capDrop.map((c) => normalizeCap(c, '--cap-drop')) : undefined,
    },
    continueAfter: parseContinueAfter(f.continueAfter),
    timeout: nonNegInt(f.timeout, '--timeout'),
    stopTimeout: nonNegInt(f.stopTimeout, '--stop-timeout'),
    probes: {
      http: http.length ? http : undefined,
      exec: f.exec.length ? f.exec : undefined,
      script: f.probeScript ? resolve(f.probeScript) : undefined,
      noHttpProbe: f.httpProbe === false ? true : undefined,
      crawlDepth: nonNegInt(f.crawlDepth, '--crawl-depth'),
      crawlMax: nonNegInt(f.crawlMax, '--crawl-max'),
      probeWait: nonNegInt(f.probeWait, '--probe-wait'),
      apiSpecs: f.httpProbeApispec?.length ? f.httpProbeApispec.map(parseApiSpec) : undefined,
      unsafe: f.httpProbeUnsafe,
      concurrency: positiveInt(f.probeConcurrency, '--probe-concurrency'),
    },
    fanotify: f.fanotify,
    select: {
      includePaths: [...f.includePath, ...f.includePathsFile.flatMap(readPathsFile)],
      includeBins: f.includeBin,
      includeExes: f.includeExe,
      includeShell: f.includeShell,
      excludes: f.exclude,
      references: f.references,
      dropOptional: f.dropOptional,
      binaryDirLimit: megabytes(f.binaryDirLimit, '--binary-dir-limit'),
      familyLimit: megabytes(f.familyLimit, '--family-limit'),
    },
    exes: f.exe,
    observations: f.observations?.length ? f.observations.map((p) => resolve(p)) : undefined,
    edits: {
      entrypoint: f.newEntrypoint !== undefined ? parseCommand(f.newEntrypoint, '--new-entrypoint') : undefined,
      cmd: f.newCmd !== undefined ? parseCommand(f.newCmd, '--new-cmd') : undefined,
      env: f.newEnv, labels: f.newLabel, expose: f.newExpose, workdir: f.newWorkdir,
      removeEnv: f.removeEnv, removeLabels: f.removeLabel, removeExpose: f.removeExpose, removeVolumes: f.removeVolume,
      removeHealthcheck: f.removeHealthcheck,
    },
    tag: f.tag,
    output: f.output ? resolve(f.output) : undefined,
    push: f.push,
    insecureRegistry: f.insecureRegistry,
    format: parseLayerFormat(f.format),
    read: parseReader(f.read),
    verify: f.verify,
    harden: parseHarden(f),
    packageDb: f.packageDb,
    sbom: parseSbom(f),
  };
}

/** --harden / --seccomp-profile FILE: the profile's place is checked before any engine work. */
function parseHarden(f: Flags): { profileFile?: string } | undefined {
  if (!f.harden && f.seccompProfile === undefined) return undefined;
  if (f.seccompProfile === undefined) return {};
  const file = resolve(f.seccompProfile);
  if (!existsSync(dirname(file))) throw new UserError(`--seccomp-profile ${f.seccompProfile}: directory ${dirname(file)} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UserError(`--seccomp-profile ${f.seccompProfile}: is a directory`);
  return { profileFile: file };
}

/** --sbom FILE: checked before any engine work, like --report; none with --no-package-db (nothing to describe). */
function parseSbom(f: Flags): string | undefined {
  if (f.sbom === undefined) return undefined;
  if (f.packageDb === false) throw new UserError('--sbom needs the package inventory: drop --no-package-db');
  const file = resolve(f.sbom);
  if (!existsSync(dirname(file))) throw new UserError(`--sbom ${f.sbom}: directory ${dirname(file)} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UserError(`--sbom ${f.sbom}: is a directory`);
  return file;
}

function parseReader(v: string | undefined): 'engine' | 'layers' | undefined {
  if (v === undefined || v === 'engine' || v === 'layers') return v;
  throw new UserError(`bad --read "${v}" (want engine or layers)`);
}

function checkReportPath(path: string, flag = '--report'): void {
  let dirOk = false;
  try {
    dirOk = statSync(dirname(path)).isDirectory();
    accessSync(dirname(path), constants.W_OK);
  } catch {
    throw new UserError(`${flag} ${path}: directory ${dirname(path)} ${dirOk ? 'is not writable' : 'does not exist'}`);
  }
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch { /* not there yet */ }
  if (isDir) throw new UserError(`${flag} ${path} is a directory`);
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('Make a slim image that keeps only what a traced run of the app used, then check it still works')
    .argument('<image>', 'engine name, docker-archive:PATH, oci-archive:PATH, oci:DIR[:REF] or a path')
    .option('--platform <os/arch>', 'pick this platform from a multi-platform image')
    // how the container runs (traced and verify runs only; the output config is unchanged)
    .option('--entrypoint <cmd>', 'run with this entrypoint (JSON array or words)')
    .option('--cmd <cmd>', 'run with this command (JSON array or words)')
    .option('--env <KEY=VALUE>', 'extra environment for the runs (repeatable)', many, [])
    .option('--workdir <dir>', 'working directory for the runs')
    .option('--user <user>', 'user for the runs')
    .option('--mount <spec>', 'docker --mount spec for the runs (repeatable)', many, [])
    .option('--network <name>', 'network for the runs')
    .option('--cap-add <cap>', 'capability the app gets in the runs, as docker run --cap-add (repeatable)', many, [])
    .option('--cap-drop <cap>', 'capability the app loses in the runs, as docker run --cap-drop (repeatable)', many, [])
    .option('--pull', 'pull the image when the engine does not have it')
    .option('--read <reader>', 'how an engine image is read: engine (default: walk a created container, fetch only what is kept) or layers (export the whole image)')
    .option('--continue-after <mode>', 'stop the traced run after: probe, exit, timeout[:N], signal, enter')
    .option('--timeout <seconds>', 'longest a run may take')
    .option('--stop-timeout <seconds>', 'grace between the stop signal and SIGKILL')
    // probes
    .option('--http-probe-cmd <spec>', '[METHOD:[PORT:]]/PATH to request (repeatable)', many, [])
    .option('--http-probe-file <file>', 'JSON list of HTTP requests')
    .option('--exec <cmd>', 'command to run inside the container (repeatable, via /bin/sh -c)', many, [])
    .option('--probe-script <file>', 'host program run with SLIMTS_TARGET_* env')
    .option('--http-probe-apispec <url|file>', 'OpenAPI/Swagger document to call every operation of: [PORT:]/PATH in the container, or a JSON file (repeatable)', many, [])
    .option('--http-probe-unsafe', 'also call POST/PUT/PATCH/DELETE operations of API documents')
    .option('--probe-concurrency <n>', 'HTTP probes in flight at once (4)')
    .option('--no-http-probe', 'do not sniff protocols, GET / or discover (ports must still open)')
    .option('--crawl-depth <n>', 'crawl depth from /')
    .option('--crawl-max <n>', 'max pages crawled per port')
    .option('--probe-wait <seconds>', 'how long to wait for ports to open')
    .option('--fanotify', 'also record opens with fanotify (needs privileges)')
    // what to keep
    .option('--include-path <glob>', 'keep these image paths (a dir keeps its subtree; repeatable)', many, [])
    .option('--include-paths-file <file>', 'file with one --include-path glob per line (repeatable)', many, [])
    .option('--include-bin <path>', 'keep this binary with its libraries (repeatable)', many, [])
    .option('--include-exe <name>', 'keep this executable from PATH with its libraries (repeatable)', many, [])
    .option('--include-shell', 'keep /bin/sh and what it needs')
    .option(EXE_FLAG, `add a host static binary (repeatable; ${EXE_DEFAULT_HELP})`, many, [])
    .option('--binary-dir-limit <MB>', 'a directory kept whole because a kept binary names it in its strings holds at most this much (default 32)')
    .option('--family-limit <MB>', 'a data family (siblings of a file the run chose by a computed key) is kept up to this size (default 64)')
    .option('--no-references', 'keep only what the run touched and its static closure: do not follow imports, commands and named paths of kept code, the app directory or on-demand data sets')
    .option('--drop-optional', 'leave out the optional modules references reach (the report lists them: e.g. PostgreSQL\'s JIT provider and its LLVM library); the program runs without them')
    .option('--observations <path>', 'also keep what runs of `slimts instrument`\'s image touched: an observation file or a directory of them (repeatable)', many, [])
    .option('--exclude <glob>', 'drop these paths (never a dir holding kept entries; repeatable)', many, [])
    // output
    .option('--tag <name:tag>', 'engine tag of the slim image (default NAME.slim:TAG)')
    .option('--output <path>', 'write an OCI layout dir, or an OCI archive when PATH ends in .tar')
    .option('--push <ref>', 'push to a registry (HOST[:PORT]/NAME[:TAG]) instead of loading into the engine')
    .option('--insecure-registry', 'talk plain http to the --push registry (loopback hosts always do)')
    .option('--format <format>', 'layer format: gzip (default) or estargz (lazy pulling; prefetch = files in first-access order)')
    .option('--new-entrypoint <cmd>', 'set ENTRYPOINT of the output')
    .option('--new-cmd <cmd>', 'set CMD of the output')
    .option('--new-env <KEY=VALUE>', 'set an env var in the output (repeatable)', many, [])
    .option('--new-label <KEY=VALUE>', 'set a label in the output (repeatable)', many, [])
    .option('--new-expose <port>', 'expose a port in the output (repeatable)', many, [])
    .option('--new-workdir <dir>', 'set WORKDIR of the output')
    .option('--remove-env <KEY>', 'drop an env var from the output (repeatable)', many, [])
    .option('--remove-label <KEY>', 'drop a label from the output (repeatable)', many, [])
    .option('--remove-expose <port>', 'drop an exposed port from the output (repeatable)', many, [])
    .option('--remove-volume <path>', 'drop a volume from the output (repeatable)', many, [])
    .option('--remove-healthcheck', 'drop the HEALTHCHECK from the output')
    .option('--no-verify', 'do not run the slim image to check it')
    .option('--harden', 'record every syscall; write a seccomp profile (slim.seccomp.json), find capabilities and writable paths, verify the slim image with all of them')
    .option('--seccomp-profile <file>', 'where --harden writes the seccomp profile (implies --harden)')
    .option('--report <file>', 'where to write the JSON report', 'slim.report.json')
    .option('--sbom <file>', 'write a CycloneDX SBOM of the slim image (its packages, with how many files each kept); a --push attaches it to the image')
    .option('--no-package-db', 'leave the package database out (smallest image; scanners then see no packages at all)')
    .option('--json', 'print the report as JSON on stdout')
    .option('--html <file>', 'also write the report as one self-contained HTML page (as slimts explain --html)')
    .action(async (image: string, f: Flags) => {
      const opts = toBuildOptions(image, f);
      const reportPath = resolve(f.report ?? 'slim.report.json');
      checkReportPath(reportPath); // before the build: a report nobody can write must not cost a traced run
      const htmlPath = f.html !== undefined ? resolve(f.html) : undefined;
      if (htmlPath) checkReportPath(htmlPath, '--html');
      // bad input fails before the pipeline (and the engine client) is even loaded
      (await import('../slim/validate.js')).validateBuildOptions(opts);
      // a live view on a terminal; plain progress lines otherwise (none with --json)
      const live = !f.json && process.stderr.isTTY && (process.stderr.columns ?? 0) >= 40 ? (await import('../slim/progress-view.js')).progressView() : undefined;
      const lines = !f.json && !live;
      // a run's notes belong to the stage that runs it: the traced run, verify, the hardened run
      let running: Stage = 'run';
      opts.onStage = (s: Stage, state, ms) => {
        if (interruptSignal.aborted) return; // after "cleaning up" nothing else is news
        if (state === 'start' && (s === 'run' || s === 'verify' || s === 'harden')) running = s;
        live?.stage(s, state, ms);
        if (!lines) return;
        if (state === 'start') process.stderr.write(`slimts: ${s}...\n`);
        else if (ms !== undefined && ms >= 1000) process.stderr.write(`slimts: ${s} done in ${(ms / 1000).toFixed(1)}s\n`);
      };
      opts.onProgress = (e) => {
        if (interruptSignal.aborted) return;
        if (e.phase !== 'warning' && e.phase !== 'ready' && e.phase !== 'stop') return;
        live?.note(running, e.message, e.phase === 'warning');
        if (lines) process.stderr.write(`slimts: ${running}: ${e.phase === 'warning' ? 'warning: ' : ''}${e.message}\n`);
      };
      let report;
      try {
        const { build } = await import('../slim/index.js'); // loaded on use: keeps other commands' start fast
        report = await build(opts);
      } finally {
        live?.close();
      }
      try {
        writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
      } catch (err) {
        throw new UserError(`cannot write the report to ${reportPath}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
      if (htmlPath) {
        const ex = await import('../explain/index.js');
        ex.writeHtml(htmlPath, ex.checkReport(reportPath, report));
      }
      const obs = report.observations;
      for (const w of obs?.warnings ?? []) process.stderr.write(`slimts: observations: ${w}\n`);
      if (obs && !f.json) process.stderr.write(`slimts: observations: ${obs.runs.length} runs read, ${obs.keptByObservation} entries kept only because they were observed\n`);
      if (f.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        // stdout is for a program; a person watching a failed CI step reads stderr
        if (report.exitCode !== 0) process.stderr.write(`slimts: verify FAILED: ${[...report.verify.notes, ...(report.hardening?.verify.notes ?? [])][0] ?? 'see the report'} (report: ${reportPath})\n`);
      } else process.stdout.write((await import('../slim/index.js')).summaryLines(report, reportPath).join('\n') + (htmlPath ? `\nhtml: ${htmlPath}` : '') + '\n');
      process.exitCode = report.exitCode;
    });
}
