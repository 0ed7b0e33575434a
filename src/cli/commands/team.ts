/**
 * `troupe team up|ls|down|sync-status`: a project's team of agents from a template. `up`
 * asks the owner of the database (`troupe serve`), which keeps the agents going (`--dry-run`
 * only plans, here); `ls` and `sync-status` read the database (`sync-status` asks the owner
 * when one runs); `down` goes through the owner, or opens the database for the moment.
 */
import { resolve } from 'node:path';
import type { TeamContext } from '../../machines/team.js';
import type { GitSyncState } from '../../machines/git-sync.js';
import { sendControl } from '../../runtime/control-client.js';
import { withReader } from '../../runtime/reader.js';
import { actionOf, optionText, usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatAge, formatTable } from '../format.js';
import { ownerOrOpen } from '../owner-request.js';
import { ownerRunning } from '../../runtime/owner-running.js';

const ACTIONS = ['up', 'ls', 'down', 'sync-status'] as const;

/** The teams and their sync rows as the database has them (the team's snapshot keeps the sync state). */
function readTeams(db: string): { id: string; state: string; context: TeamContext; agents: Map<string, string> }[] {
  return withReader(db, (reader) => {
    const agents = new Map(reader.actors({ kind: 'agent', all: true }).map((actor) => [actor.id, actor.state]));
    return reader.actors({ kind: 'team', all: true }).flatMap((actor) => {
      const context = (reader.snapshot(actor.id) as { context?: TeamContext } | undefined)?.context;
      return context ? [{ id: actor.id, state: actor.state, context, agents }] : [];
    });
  });
}


/**
 * The `troupe team` command (`troupe help team` prints it).
 *
 * @example
 * const code = await (await import('./team.js')).default.run(context);
 */
export default defineCommand({
  name: 'team',
  summary: "Bring a project's team of agents up from a template, list teams, take one down, show its git sync.",
  args: [
    { name: '<op>', description: 'up, ls, down or sync-status.' },
    { name: '[arg]', optional: true, description: 'up: the template or auto (default); down/sync-status: the team name.' },
  ],
  options: [
    { name: 'project', value: '<dir>', description: "up: the project directory (default: the current one)." },
    { name: 'name', value: '<name>', description: "up: the team's name (default: the project directory's name)." },
    { name: 'driver', value: '<claude|codex|gemini>', description: "up: every role's CLI, over the template's." },
    { name: 'bin', value: '<path>', description: "up: every role's executable." },
    { name: 'roles', value: '<a,b,...>', description: 'up: only these roles.' },
    { name: 'mode', value: '<autonomous|interactive>', description: 'up: interactive runs each CLI in tmux (troupe attach).' },
    { name: 'base', value: '<ref>', description: 'up: where the integration branch starts (default: the current branch).' },
    { name: 'dry-run', description: 'up: print the plan, start nothing.' },
  ],
  json: 'up: the plan; ls: the teams; sync-status: the per-worktree sync rows.',
  help: `up plans the team from a template (auto detects it from the project's files: source
code -> code_project, data and pipelines -> data_pipeline, terraform/ansible ->
system_deployment, else base), makes the worktrees (branch team/<name>/<role>, from
team/<name>/integration) with troupe's commit hook, and asks the owner (troupe serve) to
start each role as a keep_alive agent session team-<name>/<role>. Templates come from the
project's templates/<name>.yaml, then troupe's own. ls lists every team and its agents;
down stops a team's agents (worktrees and branches are kept); sync-status shows each
worktree's sync state and the latency from a commit to it being rebased.`,
  examples: ['troupe team up auto --project ~/src/shop --dry-run', 'troupe team up code_project --project ~/src/shop', 'troupe team ls', 'troupe team sync-status shop', 'troupe team down shop'],
  async run({ db, args, options, io }) {
    const action = actionOf('team', args['<op>'], ACTIONS);
    const json = options['json'] === true;
    const text = (name: string) => optionText(options, name);
    if (action === 'up') {
      const driver = text('driver');
      if (driver !== undefined && !['claude', 'codex', 'gemini'].includes(driver)) throw usageError(`--driver '${driver}' is not a driver. Use claude, codex or gemini.`);
      const mode = text('mode');
      if (mode !== undefined && !['autonomous', 'interactive'].includes(mode)) throw usageError(`--mode '${mode}' is not a mode. Use autonomous or interactive.`);
      const bin = text('bin');
      const up = {
        template: args['[arg]'] ?? 'auto',
        project: resolve(text('project') ?? '.'),
        ...(text('name') !== undefined ? { name: text('name') } : {}),
        ...(driver !== undefined ? { driver } : {}),
        ...(bin !== undefined ? { bin: bin.includes('/') ? resolve(bin) : bin } : {}),
        ...(text('roles') !== undefined ? { roles: text('roles')!.split(',').map((role) => role.trim()).filter(Boolean) } : {}),
        ...(mode !== undefined ? { mode } : {}),
        ...(text('base') !== undefined ? { base: text('base') } : {}),
      };
      if (options['dry-run'] === true) {
        const { planTeam } = await import('../../actors/team/plan.js');
        const plan = planTeam(up as Parameters<typeof planTeam>[0]);
        if (json) return await io.out(`${JSON.stringify(plan, null, 2)}\n`);
        const detected = plan.detection ? ` (detected: ${Object.entries(plan.detection.scores).map(([t, n]) => `${t} ${n}`).join(', ')}${plan.detection.fallback ? '; fallback' : ''})` : '';
        await io.out(`team ${plan.name} of ${plan.project}: template ${plan.chain.join(' <- ')}${detected}, integration ${plan.integration}\n`);
        return await io.out(formatTable(['AGENT', 'TYPE', 'DRIVER', 'BRANCH', 'CAPABILITIES'], plan.members.map((m) => [m.id, m.type, String(m.spec['driver']), m.branch ?? '-', m.capabilities.join(',') || '-'])));
      }
      const result = (await sendControl(db, { type: 'team.up', options: up })) as { plan: { name: string; template: string; members: { id: string }[] } };
      if (json) return await io.out(`${JSON.stringify(result.plan, null, 2)}\n`);
      return await io.out(`team ${result.plan.name} up (${result.plan.template}): ${result.plan.members.map((m) => m.id).join(', ')}\n`);
    }
    if (action === 'ls') {
      const teams = readTeams(db);
      const rows = teams.map(({ id, state, context, agents }) => ({
        name: context.name, id, project: context.project, template: context.template, state,
        members: context.members.map((m) => ({ role: m.role, id: `${id}/${m.role}`, state: agents.get(`${id}/${m.role}`) ?? context.states[m.role] ?? 'unknown' })),
      }));
      if (json) return await io.out(`${JSON.stringify(rows, null, 2)}\n`);
      if (rows.length === 0) return await io.out('no teams\n');
      return await io.out(formatTable(['TEAM', 'STATE', 'TEMPLATE', 'PROJECT', 'AGENTS'], rows.map((r) => [r.name, r.state, r.template, r.project, r.members.map((m) => `${m.role}:${m.state}`).join(' ')])));
    }
    const name = args['[arg]'];
    if (action === 'down') {
      if (name === undefined) throw usageError('team down needs the team name: troupe team down <name> (troupe team ls lists them).');
      const down = await ownerOrOpen(db, { type: 'team.down', name }, async (orc) => orc.teamDown(name));
      if (json) return await io.out(`${JSON.stringify(down, null, 2)}\n`);
      return await io.out(`team ${down.name} down: ${down.members.map((m) => `${m.role} ${m.member}`).join(', ')}\n`);
    }
    const statuses = ownerRunning(db) ? ((await sendControl(db, { type: 'agent.sync_status', ...(name !== undefined ? { team: name } : {}) })) as SyncRows[]) : savedStatus(db, name);
    if (json) return await io.out(`${JSON.stringify(statuses, null, 2)}\n`);
    const now = Date.now();
    const table = statuses.flatMap((team) =>
      team.worktrees.map((w) => [team.team, w.id, w.status, w.lastSyncedAt !== undefined ? formatAge(now - w.lastSyncedAt) : '-', w.lastLatencyMs !== undefined ? `${w.lastLatencyMs}ms` : '-', String(w.rebases), String(w.conflicts), (w.files ?? []).join(',') || w.message || '-']),
    );
    return await io.out(table.length === 0 ? 'no team worktrees\n' : formatTable(['TEAM', 'WORKTREE', 'STATUS', 'SYNCED', 'LATENCY', 'REBASES', 'CONFLICTS', 'FILES / MESSAGE'], table));
  },
});

type SyncRows = { team: string; integration: string; worktrees: { id: string; status: string; lastSyncedAt?: number; lastLatencyMs?: number; rebases: number; conflicts: number; files?: string[]; message?: string }[] };

/** Without an owner: the sync state the team's snapshot kept. */
function savedStatus(db: string, name: string | undefined): SyncRows[] {
  return readTeams(db)
    .filter(({ state, context }) => state !== 'down' && (name === undefined || context.name === name))
    .map(({ id, context }) => {
      const saved = context.sync as GitSyncState | undefined;
      const worktrees = context.members.flatMap((m) => {
        const row = saved?.worktrees[`${id}/${m.role}`];
        if (!m.worktree) return [];
        return [{ id: `${id}/${m.role}`, status: row?.status ?? 'synced', rebases: row?.rebases ?? 0, conflicts: row?.conflicts ?? 0, ...(row?.lastSyncedAt !== undefined ? { lastSyncedAt: row.lastSyncedAt } : {}), ...(row?.lastLatencyMs !== undefined ? { lastLatencyMs: row.lastLatencyMs } : {}), ...(row?.files ? { files: [...row.files] } : {}), ...(row?.message !== undefined ? { message: row.message } : {}) }];
      });
      return { team: context.name, integration: context.integration, worktrees };
    });
}
