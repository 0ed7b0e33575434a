/**
 * Adapter over troupe's native launcher (native/spawn, built from source at install): a
 * posix_spawn of a program in a session of its own, without copying Node's image. Loads it
 * once; `nativeSpawn()` is undefined when it was not built or cannot load here, and
 * `launcherNote()` then says why.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** What the addon exports (see native/spawn/spawn.c). */
export interface NativeSpawn {
  /**
   * Starts `file` (looked up on PATH) leading a new session, with our environment (environ,
   * which process.env writes through to) and `env` ("NAME=value") over it, its stdout and stderr on one pipe;
   * returns [pid, stdinFd, outputFd, startTime] (startTime: field 22 of /proc/<pid>/stat, '' if
   * unreadable). Throws an Error with code ENOENT/EACCES/ENOTDIR/ESPAWN.
   */
  spawn(file: string, argv: readonly string[], env: readonly string[], cwd: string): [number, number, number, string];
  /** Reaps `pid` (a pidfd on the loop, or a thread of its own) and calls back once with its exit code or signal number. */
  waitExit(pid: number, callback: (exitCode: number | null, signal: number | null) => void): void;
  /**
   * Reads `fd` on the loop until end of file, calling `onData` with each chunk (up to 64 KiB)
   * synchronously, then `onEnd` once; the fd is closed at the end or by `stopOutput`.
   */
  readOutput(fd: number, onData: (chunk: Buffer) => void, onEnd: () => void): OutputReader;
  /** Stops a reader and closes its fd; nothing more is called back. */
  stopOutput(reader: OutputReader): void;
}

/** The handle `readOutput` returns (an external: opaque). */
export type OutputReader = { readonly __outputReader: unique symbol };

let loaded: { addon?: NativeSpawn; why?: string } | undefined;

function load(): { addon?: NativeSpawn; why?: string } {
  if (loaded) return loaded;
  if (process.env['TROUPE_LAUNCHER'] === 'execa') return (loaded = { why: 'TROUPE_LAUNCHER=execa' });
  // A worker thread's loop may close while a pidfd poll of the addon is still open on it.
  if (!isMainThread) return (loaded = { why: 'in a worker thread' });
  // src/actors/proc (or dist/actors/proc) -> the package root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  try {
    const required = createRequire(import.meta.url)(join(root, 'native', 'spawn', 'build', 'Release', 'troupe_spawn.node')) as NativeSpawn;
    loaded = { addon: required };
  } catch (err: unknown) {
    loaded = { why: `native launcher not built (${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}); run npm rebuild troupe` };
  }
  return loaded;
}

/**
 * The native launcher, or undefined when processes must start through execa.
 *
 * @example
 * const native = nativeSpawn()
 * if (native) native.spawn('sh', ['sh', '-c', 'true'], ['PATH=/usr/bin:/bin'], '/tmp')
 */
export function nativeSpawn(): NativeSpawn | undefined {
  return load().addon;
}

/**
 * How process actors start here: 'posix_spawn', or 'execa (<why>)' on the fallback path.
 *
 * @example launcherNote() // 'posix_spawn'
 */
export function launcherNote(): string {
  const { addon, why } = load();
  return addon ? 'posix_spawn' : `execa (${why ?? 'unknown'})`;
}
