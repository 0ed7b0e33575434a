/**
 * Commands run inside a running container by `docker exec`: to completion (the `exec`
 * readiness probe), as live streams without a TTY (a headless agent CLI: its stdin written,
 * its stdout and stderr read apart), or interactively with a TTY (the shell's docker terminal). The small public way into a container that
 * other kinds use, so none of them talks to dockerode on its own.
 */
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { dockerClient, dockerEndpoint, dockerError } from './client.js';

export interface ExecOptions {
  /** `docker.host` of the container: else DOCKER_HOST, else the default socket. */
  readonly host?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly workdir?: string;
  /** Stops the command's output being read; the exec itself ends with its program. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `command` in a running container to its end: its exit code and its output (stdout
 * and stderr interleaved, as text). Throws DOCKER_UNAVAILABLE or DOCKER_FAILED.
 *
 * @example
 * const { exitCode, output } = await execInContainer('4f1c2b…', ['cat', '/etc/hostname'])
 */
export async function execInContainer(container: string, command: readonly string[], options: ExecOptions = {}): Promise<{ exitCode: number | null; output: string }> {
  const endpoint = dockerEndpoint(options.host);
  const docker = dockerClient(endpoint);
  try {
    const exec = await docker.getContainer(container).exec({
      Cmd: [...command],
      AttachStdout: true,
      AttachStderr: true,
      ...execFields(options),
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const output = await readDemuxed(stream, options.signal);
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? null, output };
  } catch (err: unknown) {
    throw dockerError(err, endpoint, `running ${JSON.stringify(command)} in container ${container.slice(0, 12)}`);
  }
}

/** A streamed exec without a TTY: `docker exec -i`, stdout and stderr apart. */
export interface ExecStream {
  /** The program's stdin; end() closes it (EOF for the program). */
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The exec'd program's pid on the engine's host (meaningful on a local engine). */
  pid(): Promise<number | undefined>;
  /** Resolves once its output has ended, with its exit code (null when the engine did not say). */
  readonly exited: Promise<number | null>;
  /** Stops reading (the program runs on until it ends or its container stops). */
  destroy(): void;
}

/**
 * Starts `command` in a running container with its stdin open and no TTY (`docker exec -i`):
 * stdout and stderr demultiplexed into streams of their own, stdin writable for programs
 * that read a stream of input (claude's `--input-format stream-json`). Throws
 * DOCKER_UNAVAILABLE or DOCKER_FAILED when the exec cannot start.
 *
 * @example
 * const run = await openExecStream(id, ['claude', '-p', '--output-format', 'stream-json'], { workdir: '/work' })
 * run.stdout.on('data', (chunk) => monitor.push(chunk)); run.stdin.write(line + '\n')
 */
export async function openExecStream(container: string, command: readonly string[], options: ExecOptions = {}): Promise<ExecStream> {
  const endpoint = dockerEndpoint(options.host);
  const docker = dockerClient(endpoint);
  let exec: Docker.Exec;
  let stream: Duplex;
  try {
    exec = await docker.getContainer(container).exec({
      Cmd: [...command],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...execFields(options),
    });
    stream = await exec.start({ hijack: true, stdin: true });
  } catch (err: unknown) {
    throw dockerError(err, endpoint, `starting ${JSON.stringify(command)} in container ${container.slice(0, 12)}`);
  }
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const ended = demux(stream, stdout, stderr);
  // stdin: what is written goes to the hijacked socket; end() half-closes it, so the program sees EOF.
  const stdin = new PassThrough();
  stdin.on('data', (chunk: Buffer) => stream.write(chunk));
  stdin.on('end', () => stream.end());
  stream.on('error', () => undefined);
  const exited = ended.then(async () => {
    // The stream ends as the program exits; Docker may record the code a moment later.
    for (let attempt = 0; attempt < 50; attempt++) {
      const info = await exec.inspect().catch(() => undefined);
      if (info === undefined) return null;
      if (!info.Running) return info.ExitCode ?? null;
      await sleep(20);
    }
    return null;
  });
  return {
    stdin,
    stdout,
    stderr,
    exited,
    pid: async () => {
      const info = await exec.inspect();
      return typeof info.Pid === 'number' && info.Pid > 0 ? info.Pid : undefined;
    },
    destroy: () => stream.destroy(),
  };
}

/** Splits an exec's multiplexed stream (8-byte frames: 1 stdout, 2 stderr) into two; resolves at its end. */
function demux(stream: Duplex, stdout: PassThrough, stderr: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    let pending: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stdout.end();
      stderr.end();
      resolve();
    };
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        (pending[0] === 2 ? stderr : stdout).write(pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
    });
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}

/** An interactive exec: its raw stream, and the means to resize it and learn how it ended. */
export interface ExecTty {
  readonly stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** The exec'd program's pid on the engine's host (meaningful on a local engine). */
  pid(): Promise<number | undefined>;
  exitCode(): Promise<number | null>;
}

/**
 * Opens an interactive `docker exec` with a TTY: a duplex stream (raw terminal bytes both
 * ways), its size, and how it ended once it has.
 *
 * @example
 * const session = await openExecTty(docker, id, ['sh', '-i'], { cols: 120, rows: 40, env: { TERM: 'xterm' } })
 * session.stream.write('echo hi\r')
 */
export async function openExecTty(
  docker: Docker,
  container: string,
  command: readonly string[],
  options: { cols: number; rows: number; env?: Readonly<Record<string, string>>; workdir?: string; user?: string },
): Promise<ExecTty> {
  const exec = await docker.getContainer(container).exec({
    Cmd: [...command],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    ...execFields(options),
  });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  await exec.resize({ w: options.cols, h: options.rows }).catch(() => undefined);
  return {
    stream,
    resize: (cols, rows) => exec.resize({ w: cols, h: rows }).then(() => undefined),
    pid: async () => {
      const info = await exec.inspect();
      return typeof info.Pid === 'number' && info.Pid > 0 ? info.Pid : undefined;
    },
    exitCode: async () => {
      // The stream ends as the program exits; Docker may record the code a moment later.
      for (let attempt = 0; attempt < 50; attempt++) {
        const info = await exec.inspect();
        if (!info.Running) return info.ExitCode ?? null;
        await sleep(20);
      }
      return null;
    },
  };
}

/**
 * Polls `command` in the container until it exits 0 (true) or the signal aborts (false):
 * `wait_for: { exec: [...] }`. Never throws.
 *
 * @example await probeExec(id, ['test', '-f', '/ready'], endpoint, signal)
 */
export async function probeExec(container: string, command: readonly string[], host: string | undefined, signal: AbortSignal, intervalMs = 100): Promise<boolean> {
  while (!signal.aborted) {
    try {
      const { exitCode } = await execInContainer(container, command, { ...(host === undefined ? {} : { host }), signal });
      if (exitCode === 0) return !signal.aborted;
    } catch {
      // Not running yet, or between restarts: try again.
    }
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return false;
    }
  }
  return false;
}

function execFields(options: { env?: Readonly<Record<string, string>>; user?: string; workdir?: string }): { Env?: string[]; User?: string; WorkingDir?: string } {
  return {
    ...(options.env ? { Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`) } : {}),
    ...(options.user ? { User: options.user } : {}),
    ...(options.workdir ? { WorkingDir: options.workdir } : {}),
  };
}

/** Reads an exec's multiplexed (8-byte frames) output to its end, as text. */
function readDemuxed(stream: Duplex, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    const finish = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(parts).toString('utf8'));
    };
    const onAbort = () => {
      stream.destroy();
      finish();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        parts.push(pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
    });
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}
