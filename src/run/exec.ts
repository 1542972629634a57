// Running a command inside a running container (for --exec and health-check probes).
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { docker } from '../engine/docker.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function execIn(container: Docker.Container, cmd: string[], timeoutMs: number, user?: string): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false, ...(user ? { User: user } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const o = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const e = new PassThrough().on('data', (c: Buffer) => err.push(c));
  docker().modem.demuxStream(stream, o, e);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`${cmd.join(' ')}: no exit within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', (x) => {
      clearTimeout(timer);
      reject(x);
    });
  });
  // The exit code lands a moment after the stream closes.
  let info = await exec.inspect();
  for (let i = 0; i < 20 && info.Running; i++) {
    await new Promise((r) => setTimeout(r, 50));
    info = await exec.inspect();
  }
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
