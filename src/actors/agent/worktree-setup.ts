/**
 * A worktree's `setup` command (`npm ci`, `make deps`): run with `sh -c` in the new worktree,
 * its output kept so a failure can say why. The output's tail goes into an error message,
 * so the values of the environment the caller gave it are hidden there (they are where
 * tokens travel).
 */
import { execa } from 'execa';
import { Redactor } from '../output/redact.js';

/** How a setup ended; `tail` is the end of its combined output, secrets hidden. */
export type SetupOutcome = { readonly ok: true } | { readonly ok: false; readonly exitCode: number | undefined; readonly tail: string };

/** The end of the output an error message carries. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;
/** Values shorter than this are not hidden: '1' or 'yes' would blank out the whole text. */
const MIN_SECRET_LENGTH = 4;

/**
 * Runs `command` with `sh -c` in `cwd`, the caller's environment extended by `env`.
 *
 * @example
 * const outcome = await runSetup('npm ci', '/srv/app/.troupe/worktrees/fixer', { NPM_TOKEN: token });
 * if (!outcome.ok) console.log(outcome.tail);
 */
export async function runSetup(command: string, cwd: string, env: Readonly<Record<string, string>> = {}, signal?: AbortSignal): Promise<SetupOutcome> {
  const result = await execa('sh', ['-c', command], {
    cwd,
    env,
    all: true,
    reject: false,
    stdin: 'ignore',
    forceKillAfterDelay: 2000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  if (result.exitCode === 0 && !result.isCanceled) return { ok: true };
  const redactor = new Redactor();
  for (const value of Object.values(env)) if (value.length >= MIN_SECRET_LENGTH) redactor.add(value);
  return { ok: false, exitCode: result.exitCode, tail: redactor.redact(outputTail(result.all ?? '')) };
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
