import { afterEach, describe, expect, it } from 'vitest';
import { engineHostAddress, engineIsRemote, engineReachable, inspectImage, publishAddress } from '../../src/engine/docker.js';
import { UserError } from '../../src/util/errors.js';
import { BASE_IMAGE } from '../helpers/docker.js';

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe('engine', () => {
  it('inspects an image into an OCI-shaped config', async () => {
    const img = await inspectImage(BASE_IMAGE);
    expect(img.id).toMatch(/^sha256:/);
    expect(img.config.os).toBe('linux');
    expect(img.config.config?.Cmd).toEqual(['/bin/bash']);
    expect(img.config.rootfs.diff_ids.length).toBeGreaterThan(0);
  });

  it('an engine that does not answer is a one-line UserError naming DOCKER_HOST', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const err = await engineReachable().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('no Docker engine answers at unix:///nonexistent/docker.sock (start dockerd or run bin/ensure-engine)');
  });

  it('ports of a tcp:// engine are reached on its host, published on all its addresses', () => {
    process.env.DOCKER_HOST = 'tcp://192.0.2.7:2375';
    expect(engineHostAddress()).toBe('192.0.2.7');
    expect(publishAddress()).toBe('0.0.0.0');
    expect(engineIsRemote()).toBe(true);
    process.env.DOCKER_HOST = 'ssh://me@build.example:22';
    expect(engineHostAddress()).toBe('build.example');
    expect(publishAddress()).toBe('0.0.0.0');
  });

  it('an engine on this machine publishes on the loopback address it is reached at', () => {
    process.env.DOCKER_HOST = 'unix:///var/run/docker.sock';
    expect([engineHostAddress(), publishAddress(), engineIsRemote()]).toEqual(['127.0.0.1', '127.0.0.1', false]);
    // another loopback address: published and probed there only, as a remote engine's would be
    process.env.DOCKER_HOST = 'tcp://127.0.0.2:2375';
    expect([engineHostAddress(), publishAddress(), engineIsRemote()]).toEqual(['127.0.0.2', '127.0.0.2', true]);
    process.env.DOCKER_HOST = 'tcp://localhost:2375';
    expect([engineHostAddress(), publishAddress()]).toEqual(['127.0.0.1', '127.0.0.1']);
    process.env.DOCKER_HOST = 'tcp://[::1]:2375';
    expect([engineHostAddress(), publishAddress()]).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});
