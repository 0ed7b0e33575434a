/**
 * `troupe ps`: the actors in the database, read-only, whether or not an owner runs. Workflow
 * runs are actors too; their steps are listed indented under them. Loads the reader and
 * formatting only: no orchestrator, terminal or process code.
 */
import { openReader, type ActorFilter, type ActorView, type Reader } from '../../runtime/reader.js';
import type { RunView } from '../../workflow/types.js';
import { defineCommand } from '../command.js';
import { formatAge, formatDelay, formatTable } from '../format.js';
import { formatRunSteps } from '../run-format.js';

/** One actor as `troupe ps --json` prints it: the reader's view; a run's with its steps. */
export type PsEntry = ActorView & { readonly run?: RunView };

/**
 * The `troupe ps` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help ps` prints it).
 *
 * @example
 * const code = await (await import('./ps.js')).default.run(context);
 */
export default defineCommand({
  name: 'ps',
  summary: 'List the actors and workflow runs (with their steps), and who owns the database.',
  args: [],
  options: [
    { name: 'all', short: 'a', description: 'Also actors that ended more than an hour ago (by default: live ones and those that ended within the hour).' },
    { name: 'kind', value: '<kind>', description: 'Only actors of this kind (process, shell, workflow, a registered name).' },
    { name: 'state', value: '<state>', description: 'Only actors in this state (running, failed, ...).' },
    { name: 'quiet', short: 'q', description: 'Print only the ids, one a line (for scripts and completion).' },
  ],
  json: 'Print a JSON array of the actors instead of the table.',
  help: `States are the documented top-level ones (a run is 'running', not its inner bookkeeping);
a run's steps show their step states (waiting, approval, running, ready, retrying,
succeeded, failed, skipped, cancelled).`,
  examples: ['troupe ps', 'troupe ps --kind process --state running', 'troupe ps --all -q'],
  async run({ db, options, io }) {
    const filter: ActorFilter = {
      all: options['all'] === true,
      ...(typeof options['kind'] === 'string' ? { kind: options['kind'] } : {}),
      ...(typeof options['state'] === 'string' ? { state: options['state'] } : {}),
    };
    const reader = openReader(db);
    try {
      // A pid is one of ours only while an owner runs: a run frozen by close() keeps its steps'
      // rows in flight (the next owner runs them again), but their processes ended with it.
      const owned = reader.owner().running;
      const entries: PsEntry[] = reader
        .actors(filter)
        // A run's steps are listed under it (with their step states), not again as actors.
        .filter((actor) => !isChild(actor))
        .map((actor) => {
          const run = reader.run(actor.id);
          const shown = owned || actor.parent === null ? actor : withoutPid(actor);
          return run === undefined ? shown : { ...shown, run };
        });
      if (options['quiet'] === true) return await io.out(entries.map((e) => `${e.id}\n`).join(''));
      if (options['json'] === true) return await io.out(`${JSON.stringify(entries, null, 2)}\n`);
      await io.out(`db: ${reader.path}, ${reader.owner().description}\n`);
      await io.out(table(entries, filter, stepModes(reader, entries)));
    } finally {
      reader.close();
    }
  },
});

/** An actor that runs under another (`<run>/<step>#<n>`), rather than one a machine spawned at the top. */
function isChild(actor: ActorView): boolean {
  return actor.parent !== null && actor.id.startsWith(`${actor.parent}/`);
}

function withoutPid(actor: ActorView): ActorView {
  const { pid: _pid, ...rest } = actor;
  return rest;
}

/** The kind's summary columns but the pid (it has a column of its own), `key=value` each. */
function infoOf(entry: PsEntry): string {
  return Object.entries(entry.summary ?? {})
    .filter(([key, value]) => key !== 'pid' && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

/**
 * Per run, how each step in `mode: auto` runs and why (its latest attempt's `mode` summary):
 * `mode=tmux (auto: rule 'redis-server is a server')`.
 */
function stepModes(reader: Reader, entries: readonly PsEntry[]): Map<string, Record<string, string>> {
  const modes = new Map<string, Record<string, string>>();
  for (const entry of entries) {
    if (entry.run === undefined) continue;
    const byStep: Record<string, string> = {};
    for (const step of entry.run.steps) {
      if (step.attempts === 0) continue;
      const mode = reader.actor(`${entry.run.id}/${step.name}#${step.attempts}`)?.summary?.['mode'];
      if (typeof mode === 'string') byStep[step.name] = `mode=${mode}`;
    }
    modes.set(entry.run.id, byStep);
  }
  return modes;
}

function table(entries: readonly PsEntry[], filter: ActorFilter, modes: ReadonlyMap<string, Record<string, string>> = new Map()): string {
  const filtered = filter.kind !== undefined || filter.state !== undefined;
  if (entries.length === 0) return filtered ? 'no actors match\n' : 'no actors\n';
  const now = Date.now();
  const rows = entries.map((e) => [
    e.id,
    e.kind,
    e.state,
    e.restartAt === undefined ? e.status : `${e.status} (restart in ${formatDelay(e.restartAt - now)})`,
    e.pid === undefined ? '-' : String(e.pid),
    String(e.restarts),
    formatAge(now - e.since),
  ]);
  // The kinds' own columns (defineKind's `describe`: a schedule's next fire and lateness, a
  // queue's counts, a pending actor's reason), as `key=value` pairs; shown when any row has one.
  const infos = entries.map(infoOf);
  const withInfo = infos.some((info) => info !== '');
  const header = ['ID', 'KIND', 'STATE', 'STATUS', 'PID', 'RESTARTS', 'SINCE', ...(withInfo ? ['INFO'] : [])];
  const lines = formatTable(header, withInfo ? rows.map((row, i) => [...row, infos[i]!]) : rows)
    .split('\n')
    .map((line) => line.trimEnd());
  // A run's steps go right under its row (line 0 is the header).
  const withSteps = lines.flatMap((line, i) => {
    const run = entries[i - 1]?.run;
    return run ? [line, ...formatRunSteps(run, now, modes.get(run.id))] : [line];
  });
  return withSteps.join('\n');
}
