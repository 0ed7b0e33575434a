/**
 * The `shell` kind: interactive terminals (node-pty, or tmux) as actors. Validates a shell
 * spec once, at the boundary, and gives `orc.spawn` / `orc.get` a ShellHandle for them.
 */
import { createShellSession, type ShellServices } from '../actors/shell-session.js';
import { reapTmuxOrphans } from '../actors/tmux-reap.js';
import { shellMachine } from '../machines/shell.js';
import { processStepEnd } from '../machines/step-end.js';
import type { KindDefinition } from './kinds.js';
import { ShellHandle } from './shell-handle.js';
import { compileShellSpec, type ShellKindOptions } from './shell-spec.js';

/**
 * Creates the `shell` kind, to be registered with the orchestrator.
 *
 * @example
 * orc.define(createShellKind(host, { allowedDirs: ['/srv'] }))
 * const sh = await orc.spawn({ kind: 'shell', id: 's1' }) // a ShellHandle
 */
export function createShellKind(services: ShellServices, options: ShellKindOptions): KindDefinition {
  return {
    kind: 'shell',
    logic: shellMachine.provide({ actors: { session: createShellSession(services) } }),
    stopEvent: { type: 'shell.stop' },
    // A pty cannot outlive us; a tmux session can, and stays when asked to (`keep: true`).
    onClose: (spec) => (spec['backend'] === 'tmux' && spec['keep'] === true ? 'keep' : 'stop'),
    step: { end: processStepEnd },
    compile: (spec, id) => compileShellSpec(spec, id, options),
    handle: (orc, record) => new ShellHandle(orc, record, services.sessions),
  };
}

/**
 * After a crash, kills the tmux sessions that no restored shell re-attached to. Call once
 * every kind is defined: restored shells (nested ones too) register their sessions as their
 * kinds are defined.
 *
 * @example
 * await reapOrphanSessions(host)
 */
export function reapOrphanSessions(services: ShellServices): Promise<string[]> {
  const live = [...services.sessions].filter(([, session]) => !session.ended).map(([id]) => id);
  return reapTmuxOrphans(services.dbKey, live);
}
