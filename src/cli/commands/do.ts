/**
 * `troupe do '<text>'`: one-line orchestration, for people and agents who do not want to
 * write a YAML file. PARALLEL, SEQUENCE and CONDITIONAL compile to the workflow a file would
 * give (every step in `mode: auto`) and run like `troupe run` does: the same progress, exit
 * codes and records, submitted to `troupe serve` when one owns the database. BACKGROUND,
 * MONITOR and SIGNAL act on actors (do-actions.ts).
 */
import { stringify } from 'yaml';
import { compileDo } from '../../do/compile.js';
import { TroupeError } from '../../runtime/errors.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { checkDatabaseFile } from '../../runtime/reader.js';
import { parseDuration } from '../../runtime/duration.js';
import { compileWorkflow } from '../../workflow/compile.js';
import { preflight } from '../../workflow/preflight.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import { defineCommand } from '../command.js';
import { background, monitor, signal } from '../do-actions.js';
import type { Io } from '../io.js';
import { cliConfig } from '../project.js';
import { liveOwner, submitRun } from '../run-client.js';
import { driveRuns, outputMode, SHOW_OPTIONS, wantsColour, type SessionOptions } from '../run-session.js';

/** What `troupe do` runs with. */
export interface DoCommandOptions extends SessionOptions {
  readonly text: string;
  /** MONITOR: give up after this long. */
  readonly timeoutMs?: number;
  /** BACKGROUND: the service's id. */
  readonly id?: string;
}

/** How a `troupe do` run is named where a file's name would be: in messages and the owner's request. */
const SOURCE_NAME = 'troupe do';

/**
 * Runs a `troupe do` text; returns the exit code: a run's (0 succeeded, 1 failed or
 * cancelled, 130/143 interrupted), else 0 done, 1 not done. Throws TroupeError INVALID_DO (with
 * a caret under the offending word), INVALID_WORKFLOW, CWD_NOT_FOUND (exit 2) before anything starts.
 *
 * @example
 * const code = await doText({ db, text: 'SEQUENCE: npm ci THEN npm test', live: false }, io);
 */
export async function doText(options: DoCommandOptions, io: Io): Promise<number> {
  const action = compileDo(options.text);
  switch (action.type) {
    case 'run':
      return runWorkflow(options, action.workflow, io);
    case 'background':
      checkDatabaseFile(options.db, { mustExist: false, writable: true });
      return background(options.db, action.id, action.command, options.id, io);
    case 'monitor':
      return monitor(options.db, options.text, action.actor, action.until, options.timeoutMs, io);
    case 'signal':
      return signal(options.db, action.target, action.message, io);
  }
}

async function runWorkflow(options: DoCommandOptions, spec: WorkflowSpec, io: Io): Promise<number> {
  checkDatabaseFile(options.db, { mustExist: false, writable: true });
  const config = await cliConfig();
  const workflow = compileWorkflow(spec, { file: SOURCE_NAME, baseDir: process.cwd(), ...(config ? { modeRules: config.modeRules } : {}) });
  preflight(workflow, process.env);
  const owner = liveOwner(options.db);
  if (owner !== undefined) {
    // The owner compiles the same text again, with its own mode rules (its project's config).
    return submitRun({ ...options, file: SOURCE_NAME, set: {}, owner, source: { text: stringify(spec), baseDir: process.cwd() } }, io);
  }
  return driveRuns(options, io, 'started', (orc: Orchestrator) => ({ runs: [orc.startRun(workflow)] }), '');
}

/**
 * The `troupe do` command: its arguments, options, help and behaviour, loaded by name from
 * the command table (`troupe help do` prints it).
 *
 * @example
 * const code = await (await import('./do.js')).default.run(context);
 */
export default defineCommand({
  name: 'do',
  summary: "Run a one-line orchestration: 'SEQUENCE: npm ci THEN npm test', PARALLEL, CONDITIONAL, BACKGROUND, MONITOR, SIGNAL.",
  args: [{ name: "'<text>'", description: 'The command text, quoted for the shell as one argument.' }],
  options: [
    { name: 'timeout', value: '<duration>', description: "MONITOR: give up after this long ('30s', '5m'; exit 1)." },
    { name: 'id', value: '<id>', description: "BACKGROUND: the service's actor id (default: from the command)." },
    ...SHOW_OPTIONS,
  ],
  help: `Forms (keywords are upper case):
  PARALLEL: a && b && c                 run the commands at once
  SEQUENCE: a THEN b THEN c             one after the other, stopping at a failure
  CONDITIONAL: t IF_SUCCESS a IF_FAIL b run a when t succeeds, b when it fails
  BACKGROUND: cmd                       start a kept service in tmux; prints its id at once
  MONITOR: <actor> UNTIL <regex>        wait until the actor's output matches (--timeout)
  SIGNAL: <actor|topic> <message>       send an event ({"type": message}) or publish on a topic
A SEQUENCE (or a CONDITIONAL's branch) may hold a PARALLEL: stage:
  SEQUENCE: npm ci THEN PARALLEL: npm run lint && npm test THEN npm pack
Quoting: each command's text goes to sh -c exactly as typed, quotes included. A keyword
in quotes or after a backslash is text ('a THEN b', \\THEN); so is && outside PARALLEL
(SEQUENCE: make && make install THEN ls), and lower-case 'then'.
Every step runs in mode auto: a terminal for what prompts (ssh, sudo, mysql -p...),
tmux for servers (redis-server, npm run dev...), pipes otherwise (troupe.yaml 'modes'
adds rules). Runs show progress and exit like 'troupe run' (0 succeeded, 1 failed) and
are recorded like any run (troupe ps, logs, resume); a CONDITIONAL whose test failed
exits 1 even when its IF_FAIL branch succeeded. A text that does not parse exits 2 with a
caret under the offending word.`,
  examples: [
    "troupe do 'PARALLEL: npm run build:frontend && go build ./...'",
    "troupe do 'SEQUENCE: npm ci THEN npm run build THEN npm test'",
    "troupe do 'CONDITIONAL: npm test IF_SUCCESS ./deploy.sh IF_FAIL ./rollback.sh'",
    "troupe do 'BACKGROUND: redis-server --port 6379' --id redis",
    "troupe do 'MONITOR: redis UNTIL Ready to accept connections' --timeout 30s",
    "troupe do 'SIGNAL: tests build-done'",
  ],
  run: ({ db, args, options, live, columns, io }) => {
    const timeout = options['timeout'];
    const timeoutMs = typeof timeout === 'string' ? parseDuration(timeout, '--timeout') : undefined;
    const id = options['id'];
    if (id === true) throw new TroupeError('INVALID_ARGUMENT', '--id needs a value, e.g. --id redis.');
    const output = outputMode(options['quiet'] === true, options['output']);
    return doText(
      {
        db,
        text: args["'<text>'"]!,
        live,
        output,
        colour: wantsColour(),
        ...(columns === undefined ? {} : { columns }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(typeof id === 'string' ? { id } : {}),
      },
      io,
    );
  },
});
