/**
 * A worktree's `setup` command (`npm ci`, `make deps`): run with `sh -c` in the new worktree,
 * its output kept so a failure can say why. The output's tail goes into an error message,
 * so the values of the environment the caller gave it are hidden there (they are where
 * tokens travel).
 */
import { execa } from 'execa';
import { Redactor } from '../output/redact.js';

/** How a setup ended; `tail` is the end of its combined output, secrets hidden. */
export type SetupOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly cancelled: boolean; readonly exitCode: number | undefined; readonly signal: string | undefined; readonly tail: string };

/** The end of the output an error message carries. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;
/** Values shorter than this are not hidden: '1' or 'yes' would blank out the whole text. */
const MIN_SECRET_LENGTH = 4;
/** After SIGTERM on cancel, the group is killed outright this much later. */
const KILL_AFTER_MS = 2000;

/**
 * Runs `command` with `sh -c` in `cwd`, the caller's environment extended by `env`, in a
 * process group of its own: cancelling ends the whole group (`npm ci` and its children,
 * not only the shell), and whatever of it is still running when the shell exits is
 * killed then, so a setup leaves nothing behind.
 *
 * @example
 * const outcome = await runSetup('npm ci', '/srv/app/.troupe/worktrees/fixer', { NPM_TOKEN: token });
 * if (!outcome.ok) console.log(outcome.tail);
 */
export async function runSetup(command: string, cwd: string, env: Readonly<Record<string, string>> = {}, signal?: AbortSignal): Promise<SetupOutcome> {
  const subprocess = execa('sh', ['-c', command], { cwd, env, all: true, reject: false, stdin: 'ignore', detached: true });
  const pgid = subprocess.pid;
  let killTimer: NodeJS.Timeout | undefined;
  const cancel = () => {
    killGroup(pgid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), KILL_AFTER_MS);
  };
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  const result = await subprocess;
  signal?.removeEventListener('abort', cancel);
  clearTimeout(killTimer);
  killGroup(pgid, 'SIGKILL');
  const cancelled = signal?.aborted ?? false;
  if (result.exitCode === 0 && !cancelled) return { ok: true };
  const redactor = new Redactor();
  for (const value of Object.values(env)) if (value.length >= MIN_SECRET_LENGTH) redactor.add(value);
  return { ok: false, cancelled, exitCode: result.exitCode, signal: result.signal, tail: redactor.redact(outputTail(result.all ?? '')) };
}

/** How a failed setup ended, for a message: `failed (exit code 3)`, `was cancelled`. */
export function setupEnding(outcome: Extract<SetupOutcome, { ok: false }>): string {
  if (outcome.cancelled) return 'was cancelled';
  if (outcome.exitCode !== undefined) return `failed (exit code ${outcome.exitCode})`;
  return `was killed (${outcome.signal ?? 'by a signal'})`;
}

/** Signals every process of the group; one that has ended already is no error. */
function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group has no process left.
  }
}

/**
 * The last lines of `text`, at most {@link TAIL_CHARS} characters.
 *
 * @example
 * outputTail('a\nb\n') // 'a\nb'
 */
export function outputTail(text: string): string {
  const lines = text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  return lines.length > TAIL_CHARS ? `...${lines.slice(-TAIL_CHARS)}` : lines;
}
