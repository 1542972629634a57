// `slimts xray` on a terminal (tmux): the interactive tree of the hand-made three-layer image —
// the image with each file's layer and its waste, then each layer's own changes — and, after
// quitting, the report as before.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLIMTS, uniqueName } from '../helpers/docker.js';
import { layerTar, tempDir, writeDockerArchive, type HandImage } from './fixtures.js';
import { CONFIG, HISTORY, LAYER0, LAYER1, LAYER2 } from './scenario.js';

let dir: string;
let archive: string;

beforeAll(async () => {
  dir = tempDir('xray-tree-');
  const img: HandImage = { layers: [await layerTar(LAYER0), await layerTar(LAYER1), await layerTar(LAYER2)], history: HISTORY, config: CONFIG };
  archive = join(dir, 'image.tar');
  await writeDockerArchive(archive, img);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function screenUntil(session: string, want: string | RegExp, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  let screen = '';
  while (Date.now() < until) {
    screen = tmux('capture-pane', '-p', '-J', '-t', session);
    if (typeof want === 'string' ? screen.includes(want) : want.test(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`screen never showed ${want}:\n${screen}`);
}

describe('xray on a terminal', () => {
  it('walks the image and each layer, then prints the report', async () => {
    const session = uniqueName('slimts-xray-tree');
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', `env -u CI -u CONTINUOUS_INTEGRATION node ${SLIMTS} xray --tree docker-archive:${archive}; sleep 60`);
    try {
      // the image: /etc/config comes from the last layer; its three copies are waste
      let s = await screenUntil(session, 'the image (3 layers)');
      expect(s).toMatch(/├── etc\/ …/);
      tmux('send-keys', '-t', session, '/');
      await screenUntil(session, 'search path:');
      tmux('send-keys', '-t', session, '-l', 'etc/config');
      tmux('send-keys', '-t', session, 'Enter');
      await screenUntil(session, 'path ~ "etc/config"');
      tmux('send-keys', '-t', session, 'G');
      s = await screenUntil(session, /later \/etc\/config \(file, 120 B\)/);
      expect(s).toContain('from layer 2');
      expect(s).toContain('wasted: 3 copies across layers, 270 B beyond the smallest');
      // layer 1: config modified, /data/big deleted, /srv/dup1 added
      tmux('send-keys', '-t', session, 'x');
      await sleep(200);
      tmux('send-keys', '-t', session, ']');
      await screenUntil(session, '[2/4,');
      tmux('send-keys', '-t', session, ']');
      s = await screenUntil(session, '[3/4,');
      expect(s).toContain('RUN |1 V=2 /bin/sh -c echo hi > /srv/dup1');
      tmux('send-keys', '-t', session, 'e');
      s = await screenUntil(session, /~ +150 B +.*└── config/);
      expect(s).toMatch(/- +1\.0 kB +.*└── big/);
      expect(s).toMatch(/\+ +2\.0 kB +.*├── dup1/);
      // quit: the report follows, as without the tree
      tmux('send-keys', '-t', session, 'q');
      await screenUntil(session, 'Dockerfile (from history)');
      // the whole report, scrolled-off lines included (it is longer than the 40-line window)
      expect(tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session)).toContain('Biggest files');
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
});
