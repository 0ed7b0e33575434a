/**
 * The `shell` kind: interactive terminals (node-pty, or tmux) as actors. Validates a shell
 * spec once, at the boundary, gives `orc.spawn` / `orc.get` / `orc.shell` a ShellHandle,
 * kills a crashed owner's pty groups and, after restore, the tmux sessions no shell owns.
 */
import type { z } from 'zod';
import { shellMachine, type ShellContext } from '../../machines/shell.js';
import { processStepEnd } from '../../machines/step-end.js';
import { TroupeError } from '../../runtime/errors.js';
import { defineKind, type KindServices } from '../../runtime/kind.js';
import { isGroupRecord, killGroupNow, reconcileGroup } from '../proc/reap-group.js';
import { reapTmuxOrphans, removeIdleTmuxSocket, removeIdleTmuxSockets } from '../terminal/tmux-reap.js';
import { tmuxSocketName } from '../terminal/tmux-cli.js';
import { ShellHandle } from './handle.js';
import { createShellSession, pendingShellStops, type ShellServices, type ShellSession } from './session.js';
import { compileParsedShell, shellSpecSchema } from './spec.js';
import type { ShellInput } from '../../machines/shell.js';

/** Live (and the last ended) session of each shell, per orchestrator (its services object). */
const sessionsByServices = new WeakMap<KindServices, Map<string, ShellSession>>();

function sessionsOf(services: KindServices): Map<string, ShellSession> {
  let sessions = sessionsByServices.get(services);
  if (!sessions) sessionsByServices.set(services, (sessions = new Map()));
  return sessions;
}

/**
 * The shell I/O's services, from the runtime's: a pty's handle is its resource record.
 *
 * @example shellMachine.provide({ actors: { session: createShellSession(shellServices(services)) } })
 */
export function shellServices(services: KindServices): ShellServices {
  return {
    recordHandle: (actorId, handle) => services.recordResource(actorId, handle),
    releaseHandle: (actorId) => services.releaseResource(actorId),
    takeOrphan: (actorId) => services.takeOrphan(actorId),
    openOutput: (actorId, options) => services.openOutput(actorId, options),
    sessions: sessionsOf(services),
    logsDir: services.logsDir,
    dbKey: services.dbKey,
  };
}

/**
 * The `shell` kind, registered by `createOrchestrator` (src/kinds.ts).
 *
 * @example
 * const sh = await orc.spawn({ kind: 'shell', id: 's1' }) // a ShellHandle
 * await orc.shell('s1').sendLine('ls')
 */
export const shellKind = defineKind<z.infer<typeof shellSpecSchema>, ShellInput>({
  kind: 'shell',
  machine: shellMachine,
  provide: (services) => shellMachine.provide({ actors: { session: createShellSession(shellServices(services)) } }),
  spec: shellSpecSchema,
  compile: (spec, ctx) => compileParsedShell(spec, ctx.id, ctx),
  handle: ({ orc, record, services }) => new ShellHandle(orc, record, sessionsOf(services)),
  stop: { type: 'shell.stop' },
  step: { end: processStepEnd },
  // Once every shell has ended, our tmux server has gone with its last session: its socket file goes too.
  drain: async () => {
    await pendingShellStops();
    await removeIdleTmuxSockets();
  },
  // A pty cannot outlive us; a tmux session can, and stays when asked to (`keep: true`).
  close: (spec) => (spec['backend'] === 'tmux' && spec['keep'] === true ? 'keep' : 'stop'),
  // A pty's group died with its owner (whatever is left is killed): lost. A tmux session may
  // have survived: its restored shell re-attaches (or goes lost if the session is gone); one
  // whose shell is not coming back is dropped here and its session removed by the sweep.
  reconcile: async (resource, ctx) => (isGroupRecord(resource.record) ? reconcileGroup(resource.record) : ctx.restoring ? 'reattach' : 'reap'),
  abandon: killGroupNow,
  owned: (services) => [...sessionsOf(services)].filter(([, session]) => !session.ended).map(([id]) => id),
  // tmux sessions of this database that no restored shell re-attached to are orphans.
  // A server left with no session (or a socket file a dead server left) goes with its file.
  sweep: async ({ dbKey, owned }) => {
    await reapTmuxOrphans(dbKey, owned);
    await removeIdleTmuxSocket(tmuxSocketName(dbKey));
  },
  describe: (snapshot): Record<string, string | number> => {
    const context = (snapshot as { context?: Partial<ShellContext> }).context;
    const handle = context?.handle;
    // A workflow step in mode auto: ps says which terminal was chosen, and why.
    const mode: Record<string, string> = context?.modeReason === undefined ? {} : { mode: `${context.backend ?? ''} (${context.modeReason})` };
    if (!handle) return context?.backend ? { backend: context.backend, ...mode } : {};
    if (handle.backend === 'docker') return { backend: 'docker', container: handle.container.slice(0, 12), ...mode };
    return handle.backend === 'pty' ? { backend: 'pty', pid: handle.pid, ...mode } : { backend: 'tmux', session: handle.session, ...mode };
  },
  api: ({ get }) => ({
    shell: (id: string): ShellHandle => {
      const handle = get(id);
      if (!handle) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}'. \`troupe ps\` shows the actors there are; spawn a shell with { kind: 'shell', id: '${id}' }.`, { details: { id } });
      if (!(handle instanceof ShellHandle)) {
        throw new TroupeError('NOT_A_SHELL', `Actor '${id}' is a ${handle.kind}, not a shell: it has no terminal to type into. Use send() for events.`, { details: { id, kind: handle.kind } });
      }
      return handle;
    },
  }),
});
