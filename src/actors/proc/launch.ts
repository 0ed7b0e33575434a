/**
 * Starting a command in a process group of its own, with piped output and a stdin held for
 * the go line: through the native launcher (posix_spawn, no copy of Node's image; stdout and
 * stderr share one pipe) when it is built, else through execa (two pipes). Both give the same
 * `LaunchedGroup`, so the process actor keeps every guarantee whichever path ran it.
 */
import { accessSync, closeSync, constants, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { constants as os } from 'node:os';
import { execa } from 'execa';
import { nativeSpawn, type NativeSpawn, type OutputReader } from './native-spawn.js';
import { readStartTime } from './proc-info.js';

/** A started group: its leader's pid is its pgid and its session id. */
export interface LaunchedGroup {
  readonly pid: number;
  /** Which path started it. */
  readonly launcher: 'posix_spawn' | 'execa';
  /** Field 22 of /proc/<pid>/stat, read right after the start; '' when it could not be read. */
  readonly startTime: string;
  /**
   * Calls `listener` with each chunk of its output (stdout and stderr) as it is read, and reads
   * the next only once the listeners returned: a slow listener slows the reading (backpressure).
   */
  onOutput(listener: (chunk: Buffer) => void): void;
  /** Stops reading its output and closes the pipe(s): for a pipe a process outside the group keeps open. */
  abandonOutput(): void;
  /** Writes the go line and ends stdin (EOF, as /dev/null would give a reader). */
  go(): void;
  /** Called once the leader exited (and was reaped). */
  onExit(listener: (exitCode: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Resolves once the leader exited and its output was read to its end (or abandoned). */
  readonly closed: Promise<void>;
}

/** A launch that could not start; `why` reads as the end of "Could not start ...: <why>". */
export type LaunchResult = { group: LaunchedGroup } | { failed: Promise<string> };

/**
 * Runs `sh -c script` in `cwd` with `env` added to ours, leading a session of its own.
 *
 * @example
 * const launched = launchGroup('read -r _ || exit 125; true', { cwd: '/tmp', env: {} })
 * if ('group' in launched) launched.group.go()
 */
export function launchGroup(script: string, options: { cwd: string; env: Record<string, string> }): LaunchResult {
  const native = nativeSpawn();
  return native ? launchNative(native, script, options) : launchExeca(script, options);
}

function launchNative(native: NativeSpawn, script: string, options: { cwd: string; env: Record<string, string> }): LaunchResult {
  // As execa's extendEnv: ours (merged in C, from environ), then the actor's on top.
  const overrides: string[] = [];
  for (const [key, value] of Object.entries(options.env)) overrides.push(`${key}=${value}`);
  let started: [number, number, number, string];
  try {
    started = native.spawn(shellPath(), ['sh', '-c', script], overrides, options.cwd);
  } catch (err: unknown) {
    return { failed: Promise.resolve(nativeFailure(err, options.cwd)) };
  }
  const [pid, stdinFd, outputFd, startTime] = started;
  let stdinOpen = true;
  const closeStdin = () => {
    if (!stdinOpen) return;
    stdinOpen = false;
    closeSync(stdinFd);
  };
  // Watching the output pipe and the exit is set up after the go line when there is one:
  // the command waits for it, the pipe and the zombie keep what happens meanwhile.
  let watched: { reader: OutputReader; closed: Promise<void>; ended: () => void } | undefined;
  let exit: { exitCode: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitListeners: ((exitCode: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  const outputListeners: ((chunk: Buffer) => void)[] = [];
  const watch = () => {
    if (watched) return watched;
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    const reader = native.readOutput(
      outputFd,
      (chunk) => {
        for (const listener of outputListeners) listener(chunk);
      },
      () => ended(),
    );
    const exited = new Promise<void>((resolve) => {
      native.waitExit(pid, (exitCode, signalNumber) => {
        // A leader that never read its go line: its stdin is ours to close.
        closeStdin();
        exit = { exitCode, signal: signalNumber === null ? null : signalName(signalNumber) };
        for (const listener of exitListeners.splice(0)) listener(exit.exitCode, exit.signal);
        resolve();
      });
    });
    return (watched = { reader, closed: Promise.all([exited, end]).then(() => undefined), ended });
  };
  return {
    group: {
      pid,
      launcher: 'posix_spawn',
      startTime,
      onOutput(listener) {
        watch();
        outputListeners.push(listener);
      },
      abandonOutput() {
        const { reader, ended } = watch();
        native.stopOutput(reader);
        ended();
      },
      go() {
        if (stdinOpen) {
          try {
            // One byte into an empty pipe never blocks.
            writeSync(stdinFd, '\n');
          } catch {
            // The leader is gone already (EPIPE): its exit says the rest.
          }
          closeStdin();
        }
        watch();
      },
      onExit(listener) {
        watch();
        if (exit) listener(exit.exitCode, exit.signal);
        else exitListeners.push(listener);
      },
      get closed() {
        return watch().closed;
      },
    },
  };
}

let shell: string | undefined;

/**
 * `sh` looked up on PATH once, as a shell hashes a command: posix_spawnp would try each
 * directory of PATH in the child, one failed execve each, on every launch. Plain 'sh' (looked
 * up there after all) when it is not found here.
 */
function shellPath(): string {
  if (shell !== undefined) return shell;
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (!dir.startsWith('/')) continue;
    const candidate = join(dir, 'sh');
    try {
      accessSync(candidate, constants.X_OK);
      return (shell = candidate);
    } catch {
      // Not here: the next directory.
    }
  }
  return (shell = 'sh');
}

/** The message execa would give for the same failure, so both paths read alike. */
function nativeFailure(err: unknown, cwd: string): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') {
    let directory = false;
    try {
      directory = statSync(cwd).isDirectory();
    } catch {
      directory = false;
    }
    if (!directory) return `The "cwd" option is invalid: ${cwd}.`;
  }
  return err instanceof Error ? err.message : String(err);
}

function signalName(signal: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(os.signals)) if (value === signal) return name as NodeJS.Signals;
  return null;
}

function launchExeca(script: string, options: { cwd: string; env: Record<string, string> }): LaunchResult {
  let subprocess;
  try {
    subprocess = execa('sh', ['-c', script], {
      cwd: options.cwd,
      env: options.env,
      // Its own process group (pgid = pid), so stopping reaches every descendant.
      detached: true,
      stdin: 'pipe',
      buffer: false,
      reject: false,
    });
  } catch (err: unknown) {
    return { failed: Promise.resolve(err instanceof Error ? err.message : String(err)) };
  }
  // Settled with reject: false; the result holds nothing we don't take from events.
  subprocess.catch(() => undefined);
  const pid = subprocess.pid;
  if (pid === undefined) {
    // Node tells why a spawn failed (bad cwd, no `sh`) only asynchronously.
    return { failed: subprocess.then((result) => (result.originalMessage ?? result.shortMessage ?? 'unknown error').split('\n')[0] ?? '') };
  }
  subprocess.stdin.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => subprocess.once('close', () => resolve()));
  return {
    group: {
      pid,
      launcher: 'execa',
      // The child exists (at worst as a zombie Node has not reaped yet): its start time is readable.
      startTime: readStartTime(pid) ?? '',
      onOutput(listener) {
        subprocess.stdout.on('data', listener);
        subprocess.stderr.on('data', listener);
      },
      abandonOutput() {
        subprocess.stdout.destroy();
        subprocess.stderr.destroy();
      },
      go: () => subprocess.stdin.end('\n'),
      onExit: (listener) => subprocess.once('exit', listener),
      closed,
    },
  };
}
