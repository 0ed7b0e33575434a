/**
 * The lifecycle of one AI agent session (Claude Code, Codex, Gemini CLI), as a pure machine.
 * Each run of the CLI is the `run` actor (provided by src/actors/agent/run.ts; tests provide
 * fakes): it reports the CLI's normalized events, its exit, and (interactive mode) the status
 * read from the screen. A session spans runs: a continuation, a resume after a crash or a
 * usage limit is another run of the same session id.
 *
 * ```
 * initializing -> working <-> waiting (an approval, a usage limit: retryAt)
 *                    |  ^
 *                    v  |  (prompt)
 *                   idle          stopping (stop, timeout, budget)
 * final: succeeded | failed* | cancelled | lost*       (* tagged 'failure')
 * ```
 */
import { assign, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { backoffMs } from './backoff.js';
import { absorb, initialContext, withError, type AgentContext, type AgentInput, type AgentOutcome } from './agent-context.js';
import { launch, output, promptText, streams, turnOf } from './agent-runs.js';
import { classifyError, limitResetAt } from './agent-events.js';
import type { AgentCommand, AgentOutput, AgentRunCommand, AgentRunEvent, AgentRunInput } from './agent-protocol.js';
import type { ChildRequest } from './workflow-steps.js';

export type { AgentContext, AgentInput };
export type { AgentCommand, AgentOutput, AgentRunCommand, AgentRunEvent, AgentRunHandle, AgentRunInput, AgentState, AgentTmuxHandle } from './agent-protocol.js';

type Internal = { type: 'agent.retry' } | { type: 'agent.timeout' } | { type: 'xstate.error.actor.run'; error: unknown };

/**
 * The `agent` kind's machine, with a placeholder `run` that fails: provide the real one.
 *
 * @example
 * const logic = agentMachine.provide({ actors: { run: createAgentRun(services) } })
 */
export const agentMachine = setup({
  types: {} as { context: AgentContext; input: AgentInput; events: AgentRunEvent | AgentCommand | Internal; output: AgentOutput; emitted: ChildRequest },
  actors: {
    run: fromCallback<AgentRunCommand, AgentRunInput>(({ sendBack }) => {
      sendBack({ type: 'agent.run.error', message: "No 'run' actor was provided to the agent machine.", at: 0 });
    }),
  },
  delays: {
    retryDelay: ({ context }) => context.retryInMs ?? 0,
    sessionTimeout: ({ context }) => context.timeoutMs ?? 0,
  },
  guards: {
    hasOutcome: ({ context }) => context.outcome !== undefined,
    succeededOutcome: ({ context }) => context.outcome?.state === 'succeeded',
    interactive: ({ context }) => context.mode === 'interactive',
    limited: ({ context }) => context.limited !== undefined,
    interrupted: ({ context }) => context.interrupted === true,
    hasQueued: ({ context }) => context.queuedPrompts.length > 0,
    canResume: ({ context }) => context.sessionId !== undefined && context.resumes < context.maxResumes,
    keepAlive: ({ context }) => context.keepAlive,
    streams: ({ context }) => streams(context),
    noApprovals: ({ context }) => context.approvals.length === 0,
    stoppedForLimit: ({ context }) => context.stopReason === 'timeout' || context.stopReason === 'max_budget',
    overBudget: ({ context }) => context.maxBudgetUsd !== undefined && context.costUsd > context.maxBudgetUsd,
  },
  actions: {
    // The session's container is a child row, kept for the session's life (restored with it).
    startContainer: enqueueActions(({ context, enqueue }) => {
      if (context.container) enqueue.emit({ type: 'troupe.child.spawn', child: 'container', spec: context.container.spec });
    }),
    stopContainer: enqueueActions(({ context, enqueue }) => {
      if (context.container) enqueue.emit({ type: 'troupe.child.stop', child: 'container' });
    }),
    launch: enqueueActions(({ context, enqueue }, params: { prompt: string; resume: boolean }) => launch(context, enqueue, params.prompt, params.resume)),
    absorb: assign(({ context, event }) => (event.type === 'agent.run.event' ? absorb(context, event.event, event.at) : {})),
    absorbBatch: assign(({ context, event }) => {
      if (event.type !== 'agent.run.batch') return {};
      let next = context;
      for (const item of event.events) next = { ...next, ...absorb(next, item.event, item.at) };
      return next;
    }),
    // A turn's result decides the session's outcome (its `is_error` is authoritative), or pauses it on a usage limit.
    readTurn: enqueueActions(({ context, event, enqueue }) => {
      const turn = turnOf(event);
      if (!turn) return;
      const pendingTurns = Math.max(0, context.pendingTurns - 1);
      if (!turn.ok && classifyError(`${turn.reason ?? ''} ${turn.result ?? ''}`) === 'limit') {
        const reset = limitResetAt(turn.result ?? '');
        enqueue.assign({ limited: { message: turn.result ?? 'usage limit', ...(reset !== undefined ? { retryAt: reset } : {}) }, pendingTurns: 0 });
        enqueue.sendTo('run', { type: 'agent.run.end_input' } satisfies AgentRunCommand);
        return;
      }
      if (!turn.ok) {
        const outcome: AgentOutcome = { state: 'failed', reason: turn.reason ?? 'error', ...(turn.result ? { message: turn.result } : {}) };
        enqueue.assign({ outcome, pendingTurns: 0 });
        enqueue.sendTo('run', { type: 'agent.run.end_input' } satisfies AgentRunCommand);
        return;
      }
      enqueue.assign({ pendingTurns });
      if (pendingTurns > 0 || context.keepAlive || context.queuedPrompts.length > 0) return;
      enqueue.assign({ outcome: { state: 'succeeded', reason: 'completed' } });
      enqueue.sendTo('run', { type: 'agent.run.end_input' } satisfies AgentRunCommand);
    }),
    // The run is over: its actor goes too, so a snapshot taken now (an idle session, a usage-limit
    // wait) holds no run that a restore would take for one cut short by a crash.
    recordExit: enqueueActions(({ context, event, enqueue }) => {
      enqueue.stopChild('run');
      enqueue.assign(event.type === 'agent.run.exited' ? { runAlive: false, exitCode: event.exitCode, signal: event.signal, lastActivity: event.at } : { runAlive: false, lastActivity: context.lastActivity });
    }),
    // A usage limit: wait the CLI's reset time, or the backoff's next rung, then continue.
    armLimit: assign(({ context, event }) => {
      const now = event.type === 'agent.run.exited' ? event.at : (context.lastActivity ?? 0);
      const retryAt = Math.max(now, context.limited?.retryAt ?? now + backoffMs(context.limitBackoff, context.limitRetries));
      return { retryAt, retryInMs: retryAt - now, waitingFor: 'limit' as const, limitRetries: context.limitRetries + 1 };
    }),
    clearWaiting: assign({ waitingFor: undefined, retryAt: undefined, retryInMs: undefined }),
    relaunchContinue: enqueueActions(({ context, enqueue }) => launch(context, enqueue, context.continuePrompt, true)),
    relaunchQueued: enqueueActions(({ context, enqueue }) => {
      const [next, ...rest] = context.queuedPrompts;
      enqueue.assign({ queuedPrompts: rest });
      launch(context, enqueue, next ?? context.continuePrompt, true);
    }),
    countResume: assign(({ context }) => ({ resumes: context.resumes + 1 })),
    crashOutcome: assign(({ context }) => ({
      outcome: {
        state: 'failed' as const,
        reason: 'exited',
        message: `Agent '${context.id}': its ${context.driver} CLI exited (code ${String(context.exitCode ?? null)}${context.signal ? `, ${context.signal}` : ''}) without a result${context.sessionId ? ` after ${String(context.resumes)} resume(s)` : ' and before it reported a session'}. See \`troupe logs ${context.id}\`.`,
      },
    })),
    runError: assign(({ context, event }) => {
      const message = event.type === 'agent.run.error' ? event.message : `The agent runner failed: ${String((event as { error?: unknown }).error)}`;
      return { runAlive: false, outcome: { state: 'failed' as const, reason: 'spawn_error', message }, errors: withError(context, { severity: 'critical', message, at: context.lastActivity ?? 0 }) };
    }),
    prompt: enqueueActions(({ context, event, enqueue }) => {
      const text = promptText(event);
      if (text === undefined) return;
      if (streams(context)) {
        enqueue.sendTo('run', { type: 'agent.run.write', text } satisfies AgentRunCommand);
        enqueue.assign({ pendingTurns: context.pendingTurns + 1, outcome: undefined });
      } else {
        enqueue.assign({ queuedPrompts: [...context.queuedPrompts, text], outcome: undefined });
      }
    }),
    requestApproval: assign(({ context, event }) => {
      if (event.type !== 'agent.approval.requested') return {};
      return { waitingFor: 'approval' as const, approvals: [...context.approvals, { toolUseId: event.toolUseId, tool: event.tool, input: event.input, at: event.at }] };
    }),
    decideApproval: assign(({ context, event }) => {
      if (event.type !== 'agent.approval.decided') return {};
      const approvals = context.approvals.filter((a) => a.toolUseId !== event.toolUseId);
      return { approvals, ...(approvals.length === 0 ? { waitingFor: undefined } : {}) };
    }),
    interrupt: enqueueActions(({ context, enqueue }) => {
      if (!context.runAlive) return;
      enqueue.assign({ interrupted: true });
      enqueue.sendTo('run', { type: 'agent.run.interrupt' } satisfies AgentRunCommand);
    }),
    kill: sendTo('run', { type: 'agent.run.kill' } satisfies AgentRunCommand),
    budgetStop: assign(({ context }) => ({ stopReason: 'max_budget', outcome: { state: 'failed' as const, reason: 'max_budget', message: `Agent '${context.id}' spent $${context.costUsd.toFixed(4)}, over its max_budget_usd of $${String(context.maxBudgetUsd)}, so it was stopped.` } })),
    timeoutStop: assign(({ context }) => ({ stopReason: 'timeout', outcome: { state: 'failed' as const, reason: 'timeout', message: `Agent '${context.id}' did not finish within ${String(context.timeoutMs)}ms, so it was stopped. Raise 'timeout' or give it a smaller task.` } })),
    armTimeout: enqueueActions(({ context, enqueue }) => {
      if (context.timeoutMs !== undefined) enqueue.raise({ type: 'agent.timeout' }, { id: 'session-timeout', delay: 'sessionTimeout' });
    }),
    // An interactive run's session is where `troupe attach` goes (it reads `handle` and `backend`).
    recordSpawn: assign(({ event }) => (event.type === 'agent.run.spawned' && event.handle ? { handle: event.handle, ...('backend' in event.handle ? { backend: 'tmux' as const } : {}) } : {})),
    markInferred: assign(({ event }) => (event.type === 'agent.run.inferred' ? { inferred: true, lastActivity: event.at, waitingFor: event.status === 'waiting' ? ('input' as const) : undefined } : {})),
    // An interactive session ends when its CLI does (a person quit it).
    interactiveExit: assign({ outcome: { state: 'succeeded' as const, reason: 'exited' } }),
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => initialContext(input),
  initial: 'initializing',
  output: ({ event }) => event.output as AgentOutput,
  // Shared by every live state: what a run reports, and the ways a session ends.
  on: {
    'agent.run.spawned': { actions: 'recordSpawn' },
    'agent.run.batch': { actions: 'absorbBatch' },
    'agent.run.worktree': { actions: assign(({ event }) => (event.type === 'agent.run.worktree' ? { worktreeInfo: event.info } : {})) },
    'agent.run.event': [
      { guard: ({ event }) => turnOf(event) !== undefined, actions: ['absorb', 'readTurn'] },
      { actions: 'absorb' },
    ],
    'agent.run.error': { target: '.failed', actions: 'runError' },
    'xstate.error.actor.run': { target: '.failed', actions: 'runError' },
    'agent.run.lost': { target: '.lost' },
    'agent.stop': { target: '.stopping' },
    'agent.timeout': { target: '.stopping', actions: 'timeoutStop' },
    'agent.interrupt': { actions: 'interrupt' },
    'agent.prompt': { actions: 'prompt' },
    'schedule.note': { actions: 'prompt' },
    'agent.approval.requested': { target: '.waiting', actions: 'requestApproval' },
    'agent.approval.decided': { actions: 'decideApproval' },
    'agent.run.inferred': [
      { guard: ({ event }) => event.type === 'agent.run.inferred' && event.status === 'idle', target: '.idle', actions: 'markInferred' },
      { guard: ({ event }) => event.type === 'agent.run.inferred' && event.status === 'waiting', target: '.waiting', actions: 'markInferred' },
      { target: '.working', actions: 'markInferred' },
    ],
    'agent.run.exited': [
      { guard: 'succeededOutcome', target: '.succeeded', actions: 'recordExit' },
      { guard: 'hasOutcome', target: '.failed', actions: 'recordExit' },
      { guard: 'interactive', target: '.succeeded', actions: ['recordExit', 'interactiveExit'] },
      { guard: 'limited', target: '.waiting', actions: ['recordExit', 'armLimit'] },
      { guard: 'interrupted', target: '.idle', actions: 'recordExit' },
      { guard: 'hasQueued', target: '.working', actions: ['recordExit', 'relaunchQueued'] },
      { guard: 'keepAlive', target: '.idle', actions: 'recordExit' },
      { guard: 'canResume', target: '.working', actions: ['recordExit', 'countResume', 'relaunchContinue'] },
      { target: '.failed', actions: ['recordExit', 'crashOutcome'] },
    ],
  },
  states: {
    initializing: {
      entry: ['armTimeout', 'startContainer', { type: 'launch', params: ({ context }) => ({ prompt: context.prompt, resume: false }) }],
      on: {
        // An interactive CLI reports no session: it works once its terminal runs.
        'agent.run.spawned': [{ guard: 'interactive', target: 'working', actions: 'recordSpawn' }, { actions: 'recordSpawn' }],
        'agent.run.event': [
          { guard: ({ event }) => event.type === 'agent.run.event' && event.event.type === 'agent.started', target: 'working', actions: 'absorb' },
          { guard: ({ event }) => turnOf(event) !== undefined, actions: ['absorb', 'readTurn'] },
          { actions: 'absorb' },
        ],
      },
    },
    working: {
      always: [
        { guard: 'overBudget', target: 'stopping', actions: 'budgetStop' },
        // keep_alive: every prompt answered and the CLI still up (claude): the session takes the next one.
        { guard: ({ context }) => context.keepAlive && context.mode === 'autonomous' && context.runAlive && context.pendingTurns === 0 && !context.outcome && !context.limited && context.queuedPrompts.length === 0, target: 'idle' },
      ],
    },
    waiting: {
      // The last approval decided: back to work.
      always: { guard: ({ context }) => context.waitingFor === undefined, target: 'working' },
      after: {
        retryDelay: [
          { guard: ({ context }) => context.waitingFor === 'limit' && context.queuedPrompts.length > 0, target: 'working', actions: ['clearWaiting', 'relaunchQueued'] },
          { guard: ({ context }) => context.waitingFor === 'limit', target: 'working', actions: ['clearWaiting', 'relaunchContinue'] },
        ],
      },
    },
    idle: {
      on: {
        'agent.prompt': [
          { guard: 'streams', target: 'working', actions: 'prompt' },
          { target: 'working', actions: [{ type: 'launch', params: ({ event }) => ({ prompt: (event as { text: string }).text, resume: true }) }] },
        ],
        'schedule.note': [
          { guard: 'streams', target: 'working', actions: 'prompt' },
          { target: 'working', actions: [{ type: 'launch', params: ({ event }) => ({ prompt: promptText(event) ?? '', resume: true }) }] },
        ],
        'agent.interrupt': {},
      },
    },
    stopping: {
      entry: enqueueActions(({ context, enqueue }) => {
        if (context.runAlive) enqueue('kill');
        else enqueue.raise({ type: 'agent.run.exited', exitCode: context.exitCode ?? null, signal: context.signal ?? null, at: context.lastActivity ?? 0 });
      }),
      on: {
        'agent.run.exited': [
          { guard: 'stoppedForLimit', target: 'failed', actions: 'recordExit' },
          { target: 'cancelled', actions: 'recordExit' },
        ],
        'agent.stop': {},
        'agent.prompt': {},
        'schedule.note': {},
        'agent.timeout': {},
        'agent.approval.requested': {},
        'agent.run.inferred': {},
      },
    },
    succeeded: { type: 'final', entry: 'stopContainer', output: ({ context }) => output('succeeded', context, 'completed') },
    failed: { type: 'final', entry: 'stopContainer', tags: ['failure'], output: ({ context }) => output('failed', context, 'error') },
    cancelled: { type: 'final', entry: 'stopContainer', output: ({ context }) => output('cancelled', context, 'stopped') },
    lost: { type: 'final', entry: 'stopContainer', tags: ['failure'], output: ({ context }) => output('lost', context, 'lost') },
  },
});
