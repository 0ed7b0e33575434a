/**
 * What `troupe --help` and `troupe --version` print.
 */
import { readFileSync } from 'node:fs';

/**
 * The help text: every command, option and exit code, on one screen.
 *
 * @example
 * process.stdout.write(USAGE)
 */
export const USAGE = `Usage: troupe <command> [options]

Commands:
  ps [--json]                 List the actors and workflow runs (with their steps) in
                              the database, and who owns it.
  logs <id> [-f]              Show an actor's state, lifecycle journal and output.
  send <id> '<event json>'    Queue an event for an actor, e.g. '{"type":"inc"}'. The
                              process that owns the database delivers it exactly once,
                              in order, now or when one next opens the database.
  attach <id>                 Attach this terminal to a tmux shell's session (detach
                              with C-b d; the shell carries on).
  run <file> [--set K=V ...]  Run a workflow file, showing each step's progress and
                              output. --set gives \${env.K} a value (repeatable).
                              Other unfinished runs stay paused (troupe resume).
  validate <file> [--set ..]  Check a workflow file without running it, and that every
                              step's cwd exists and every \${env.K} is set.
  resume [run-id]             Carry on an interrupted run (every unfinished run when no
                              id is given); steps that succeeded do not run again.
  approve <run-id> <step>     Let a step that waits for approval go ahead.
  cancel <run-id>             Stop a run: running steps are stopped, the rest cancelled.
  help                        Show this help.

Options:
  --db <path>     The database. Default: $TROUPE_DB, else ./.troupe/state.db
  --json          ps: print a JSON array instead of a table.
  --set K=V       run, validate: set a variable for \${env.K} in the workflow (repeatable).
  -q, --quiet     run, resume: progress only, no step output (same as --output=none).
  --output=MODE   run, resume: step output shown: all (default), failed (a failed step's
                  last 40 lines, when it fails) or none.
  -f, --follow    logs: keep printing until the actor has ended (Ctrl-C stops).
  -h, --help      Show this help.
  --version       Print troupe's version.

Exit codes: 0 ok, 1 failure (a run failed or was cancelled, database, actor or run
not found, ...), 2 bad input (arguments, an invalid workflow file), 130/143
interrupted by SIGINT/SIGTERM (the run can be resumed).
`;

/**
 * troupe's version, from its package.json (two levels up from both src/cli and dist/cli).
 *
 * @example
 * version() // '0.1.0'
 */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
