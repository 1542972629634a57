// slimts build on the nginx sample (a daemon that forks workers): answers like the original,
// ≥ 5× smaller, same config, same metadata for every kept entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSample, configOf, imageSize, metadataDiffs, sameAnswers, slim, type Slimmed } from './e2e.js';

describe('slimts build nginx', () => {
  let image: string;
  let s: Slimmed;
  beforeAll(() => {
    image = buildSample('nginx');
    s = slim(image);
  });
  afterAll(() => s?.cleanup());

  it('succeeds and verifies', () => {
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/verify: the slim image answers like the original/);
    expect(s.report!.verify.ok).toBe(true);
    for (const k of s.report!.kept) expect(k.reasons.length, k.path).toBeGreaterThan(0);
  });

  it('answers like the original, with worker processes, also for a file nothing links (the docroot its config names is kept whole)', async () => {
    const { results, slimLogs } = await sameAnswers(image, s.tag, 80, ['/', '/style.css', '/about.html', '/downloads/notes.txt', '/missing']);
    for (const r of results) {
      expect(r.b.status, r.path).toBe(r.a.status);
      if (r.a.status === 200) expect(r.b.body, r.path).toBe(r.a.body);
    }
    expect(results.find((r) => r.path === '/downloads/notes.txt')!.a.status).toBe(200);
    expect(s.report!.kept.find((k) => k.path === '/var/www/html/downloads/notes.txt')!.reasons.join('; ')).toMatch(/path named in \/etc\/nginx\/sites-available\/default:\d+ \(configuration \/var\/www\/html\)/);
    expect(slimLogs).not.toMatch(/emerg|No such file/);
  });

  it('is at least 5× smaller', () => {
    expect(imageSize(image) / imageSize(s.tag)).toBeGreaterThanOrEqual(5);
  });

  it('keeps the config', () => {
    expect(configOf(s.tag)).toEqual(configOf(image));
  });

  it('keeps the metadata of every kept entry', async () => {
    expect(await metadataDiffs(image, s.tag)).toEqual([]);
  });
});
