// A real registry for tests: Debian's docker-registry on a free loopback port, storage in a
// temp dir; stop() ends it and removes the dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistry(): Promise<TestRegistry> {
  const work = mkdtempSync(join(tmpdir(), 'slimts-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(work, 'config.yml'), [
    'version: 0.1',
    'log: { level: error }',
    `storage: { filesystem: { rootdirectory: ${join(work, 'storage')} } }`,
    `http: { addr: "${host}" }`,
    '',
  ].join('\n'));
  const registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  registry.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const stop = async () => {
    if (registry.exitCode === null && registry.signalCode === null) {
      const exited = new Promise((r) => registry.once('exit', r));
      registry.kill('SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) break;
    } catch { /* not up yet */ }
    if (i > 100 || registry.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, stop };
}
