import { describe, expect, it } from 'vitest';
import { slimts } from './helpers/docker.js';

describe('cli', () => {
  it('prints help and exits 0', () => {
    const r = slimts(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('imagebuild');
  });
  it('rejects an unknown command with a non-zero exit', () => {
    const r = slimts(['nope']);
    expect(r.status).not.toBe(0);
  });
});
