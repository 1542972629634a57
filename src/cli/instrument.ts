// slimts instrument: a thin commander handler over instrument().
import type { Command } from 'commander';
import { UserError } from '../util/errors.js';

export function registerInstrument(program: Command): void {
  program
    .command('instrument')
    .argument('<IMAGE>', 'the image to instrument (engine name, docker-archive:PATH, oci-archive:PATH, oci:DIR)')
    .description('The image plus the sensor: run it with your own tests (plain docker run, no added privileges) and give what it records to `build --observations`')
    .option('--tag <NAME[:TAG]>', 'name of the instrumented image (default NAME.instrumented:TAG)')
    .option('--output <PATH>', 'write an OCI archive (PATH.tar) or OCI layout dir instead of loading into the engine')
    .option('--push <REF>', 'push to a registry (HOST[:PORT]/NAME[:TAG]) instead of loading into the engine')
    .option('--insecure-registry', 'talk plain http to the --push registry (loopback hosts always do)')
    .option('--platform <OS/ARCH>', 'platform to pick from a multi-platform image')
    .option('--dir <DIR>', 'where each container start writes its observation file (mount a volume there; SLIMTS_OBSERVATIONS at run time wins)', '/var/lib/slimts/observations')
    .option('--cpus <one|all>', 'all: the app keeps every CPU (default); one: app and sensor share one CPU, each trace stop is cheaper, but nproc sees one', 'all')
    .option('--max-size <SIZE>', 'bound of one observation file (bytes, or with k/m suffix; at most 256m)', '256m')
    .action(async (image: string, o: Record<string, string | boolean | undefined>) => {
      const { instrument } = await import('../instrument/index.js');
      const res = await instrument({
        image,
        tag: o.tag as string | undefined,
        output: o.output as string | undefined,
        push: o.push as string | undefined,
        insecureRegistry: o.insecureRegistry as boolean | undefined,
        platform: o.platform as string | undefined,
        dir: o.dir as string,
        maxBytes: parseSize(o.maxSize as string),
        cpus: parseCpus(o.cpus as string),
      });
      process.stdout.write(`${res.where}\n`);
      process.stderr.write(`instrument: ${res.where} records into ${res.dir} (one file per start, at most ${o.maxSize}); observations name ${res.original}\n`);
    });
}

function parseCpus(s: string): 'one' | 'all' {
  if (s === 'one' || s === 'all') return s;
  throw new UserError(`--cpus: one or all, got ${JSON.stringify(s)}`);
}

export function parseSize(s: string): number {
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(s.trim());
  if (!m) throw new UserError(`--max-size: expected bytes or a size like 64m, got ${JSON.stringify(s)}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}
