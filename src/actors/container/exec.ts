/**
 * Commands run inside a running container by `docker exec`: to completion (the `exec`
 * readiness probe; other kinds, e.g. an agent CLI run in a container), or interactively
 * with a TTY (the shell's docker terminal). The small public way into a container that
 * other kinds use, so none of them talks to dockerode on its own.
 */
import type { Duplex } from 'node:stream';
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
