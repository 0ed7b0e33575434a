/**
 * Every command by name, each loaded only when asked for: `troupe ps` imports the reader and
 * its formatting, never the orchestrator, terminals or process code that `run` needs.
 */
import type { CommandDef } from './command.js';
import { usageError } from './args.js';
import { closestName } from './run-lookup.js';

type Loader = () => Promise<{ readonly default: CommandDef }>;

/** In the order `troupe --help` lists them. */
const COMMANDS: Readonly<Record<string, Loader>> = {
  ps: () => import('./commands/ps.js'),
  logs: () => import('./commands/logs.js'),
  send: () => import('./commands/send.js'),
  attach: () => import('./commands/attach.js'),
  run: () => import('./commands/run.js'),
  do: () => import('./commands/do.js'),
  validate: () => import('./commands/validate.js'),
  resume: () => import('./commands/resume.js'),
  approve: () => import('./commands/approve.js'),
  cancel: () => import('./commands/cancel.js'),
  rerun: () => import('./commands/rerun.js'),
  stop: () => import('./commands/stop.js'),
  restart: () => import('./commands/restart.js'),
  rm: () => import('./commands/rm.js'),
  prune: () => import('./commands/prune.js'),
  backup: () => import('./commands/backup.js'),
  restore: () => import('./commands/restore.js'),
  serve: () => import('./commands/serve.js'),
  inspect: () => import('./commands/inspect.js'),
  mcp: () => import('./commands/mcp.js'),
  config: () => import('./commands/config.js'),
  events: () => import('./commands/events.js'),
  schedule: () => import('./commands/schedule.js'),
  queue: () => import('./commands/queue.js'),
  agent: () => import('./commands/agent.js'),
  memory: () => import('./commands/memory.js'),
  team: () => import('./commands/team.js'),
  stats: () => import('./commands/stats.js'),
  'mcp-permission': () => import('./commands/mcp-permission.js'),
  token: () => import('./commands/token.js'),
  completion: () => import('./commands/completion.js'),
  help: () => import('./commands/help.js'),
};

/**
 * The definition of one command. Throws TroupeError INVALID_ARGUMENT (exit 2) for an
 * unknown name, suggesting the closest one.
 *
 * @example
 * const ps = await loadCommand('ps'); await ps.run(context);
 */
export async function loadCommand(name: string): Promise<CommandDef> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load) return (await load()).default;
  const closest = closestName(name, Object.keys(COMMANDS));
  throw usageError(`Unknown command '${name}'.${closest === undefined ? '' : ` Did you mean '${closest}'?`}`);
}

/**
 * Every definition, for `troupe --help` and `troupe completion` (the only ones that need all).
 *
 * @example
 * (await loadAll()).map((command) => command.name) // ['ps', 'logs', ...]
 */
export async function loadAll(): Promise<CommandDef[]> {
  return Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).default));
}
