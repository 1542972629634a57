// A file start-up reads only in part, through the real parts: an app (static C) reads 64 KiB
// at two places of a 32 MiB data file before it answers. slimts build --format estargz sees
// that (the sensor's page-cache record), leaves the file out of the prefetch range and cuts
// its chunks where the reads start; the stargz snapshotter rpulls the image lazily, the app
// answers with what it read, and a later request reads the whole file through every chunk
// boundary and gets the original's bytes.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';
import { startLazyStack, type LazyStack } from '../helpers/lazy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { ensureStargzTools, verifyEstargz } from '../helpers/stargz.js';
import { ensureCli } from '../slim/e2e.js';

const MiB = 1 << 20;
const SERVER = String.raw`
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static uint32_t fnv(uint32_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}
static unsigned char buf[1 << 16];
int main(void) {
  int fd = open("/data/blob.bin", O_RDONLY);
  if (fd < 0) return 1;
  uint32_t start = 2166136261u;
  // start-up: two places of the file
  if (pread(fd, buf, sizeof buf, 0) != sizeof buf) return 1;
  start = fnv(start, buf, sizeof buf);
  if (pread(fd, buf, sizeof buf, 20 << 20) != sizeof buf) return 1;
  start = fnv(start, buf, sizeof buf);
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
  if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) return 1;
  for (;;) {
    int c = accept(s, 0, 0);
    if (c < 0) continue;
    char req[1024] = {0};
    if (read(c, req, sizeof req - 1) <= 0) { close(c); continue; }
    uint32_t h = start;
    if (!strncmp(req, "GET /all ", 9)) { // the whole file, read now
      h = 2166136261u;
      ssize_t n;
      off_t off = 0;
      while ((n = pread(fd, buf, sizeof buf, off)) > 0) { h = fnv(h, buf, (size_t)n); off += n; }
    }
    char body[64], resp[256];
    int bl = snprintf(body, sizeof body, "%08x\n", (unsigned)h);
    int rl = snprintf(resp, sizeof resp, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", bl, body);
    if (write(c, resp, (size_t)rl) < 0) {}
    close(c);
  }
}
`;

// FNV-1a, 32 bits, as the server computes it
const FNV0 = 2166136261;
const fnv = (h: number, b: Buffer) => {
  for (const x of b) h = Math.imul(h ^ x, 16777619) >>> 0;
  return h;
};
const hex = (h: number) => `${h.toString(16).padStart(8, '0')}\n`;

let registry: TestRegistry;
let stack: LazyStack | undefined;
let work: string;
let image: string;
let blob: Buffer;

beforeAll(async () => {
  ensureCli();
  ensureStargzTools();
  work = mkdtempSync(join(tmpdir(), 'slimts-partial-e2e-'));
  const ctx = join(work, 'ctx');
  mkdirSync(join(ctx, 'data'), { recursive: true });
  writeFileSync(join(ctx, 'server.c'), SERVER);
  execFileSync('musl-gcc', ['-static', '-O2', '-s', '-o', join(ctx, 'server'), join(ctx, 'server.c')]);
  // incompressible, so its chunks are what they seem
  blob = Buffer.concat(Array.from({ length: 32 }, (_, i) => createHash('sha512').update(`seed${i}`).digest()).flatMap((seed) =>
    Array.from({ length: MiB / 64 }, (_, k) => createHash('sha512').update(seed).update(String(k)).digest())));
  writeFileSync(join(ctx, 'data', 'blob.bin'), blob);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY server /server\nCOPY data /data\nEXPOSE 8080\nCMD ["/server"]\n');
  image = `slimts-test/${uniqueName('partial')}:1`;
  docker(['build', '-q', '-t', image, ctx]);
  registry = await startRegistry();
  stack = await startLazyStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (image) docker(['rmi', '-f', image], { allowFail: true });
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** An HTTP GET from inside the task's network namespace. */
function getInside(pid: number, path: string): string {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('nsenter', ['-t', String(pid), '-n', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET ${path} HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0 && r.stdout.includes('200 OK')) return r.stdout.split('\r\n\r\n')[1]!;
    spawnSync('sleep', ['0.2']);
  }
  throw new Error(`no answer on 8080 for ${path}`);
}

describe('a file start-up reads only in part', () => {
  it('stays out of the prefetch range, chunked where the reads start; the lazily pulled app reads the right bytes', async () => {
    const ref = `${registry.host}/slimts/${uniqueName('partial')}:es`;
    const reportFile = join(work, 'report.json');
    const r = slimts(['build', image, '--format', 'estargz', '--push', ref, '--report', reportFile]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.output.estargz.partialFiles).toEqual(['/data/blob.bin']);
    expect(report.output.estargz.prefetchBytes).toBeLessThan(MiB); // the server, not the data
    expect(r.stdout).toContain('read only in part, fetched on demand: /data/blob.bin');

    // the estargz library: every chunk verifies; the data file is not before the landmark
    const base = `http://${registry.host}/v2/${/^[^/]+\/(.+):es$/.exec(ref)![1]}`;
    const manifest = (await (await fetch(`${base}/manifests/es`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: Array<{ digest: string; annotations: Record<string, string> }> };
    const layer = manifest.layers.at(-1)!;
    const file = join(work, 'layer.blob');
    writeFileSync(file, Buffer.from(await (await fetch(`${base}/blobs/${layer.digest}`)).arrayBuffer()));
    const v = verifyEstargz(ensureStargzTools().verify, file, layer.annotations['containerd.io/snapshot/stargz/toc.digest']);
    expect(v.prefetch).toEqual(['/server']);
    // 32 MiB in 4 MiB chunks is 8; the cuts at the two reads add more
    expect(v.chunks - 1 - 1).toBeGreaterThan(8);

    const start = fnv(fnv(FNV0, blob.subarray(0, 65536)), blob.subarray(20 * MiB, 20 * MiB + 65536));
    stack!.rpull(ref);
    expect(stack!.lazilyMounted(layer.digest)).toBe(true);
    const id = uniqueName('partial');
    const pid = stack!.start(ref, id, 'stargz');
    try {
      expect(getInside(pid, '/')).toBe(hex(start));
      expect(getInside(pid, '/all')).toBe(hex(fnv(FNV0, blob)));
    } finally {
      stack!.kill(id);
    }
  });
});
