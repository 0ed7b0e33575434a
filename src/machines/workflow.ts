/**
 * A workflow run as a pure machine: a supervisor of step actors. Steps are spawned as its
 * own children by registered kind name (`process`, `shell`), so they are persisted inside
 * the run's snapshot and come back with it. The one side effect is the `commit` actor the
 * runtime provides: it resolves once the run's snapshot is durable in SQLite.
 *
 * ```
 * running: committing -> scheduling -> idle -> committing ...   (a result recorded: commit it)
 *    |  workflow.cancel (or a commit that failed)      | every step settled
 *    v                                                 v
 * cancelling -> cancelled                         finishing (stop services) -> succeeded | failed*
 * ```
 *
 * Write-ahead: results are recorded in context and numbered (`recorded`); steps start only
 * on entering `scheduling`, i.e. after a commit, and only from results that commit covered
 * (`committed`). A dependent never starts in the macrostep that recorded its dependency.
 * Results no step waits for are not committed on their own: once every step has settled the
 * run goes to `finishing` at once, and its end (with those results) is one write, which the
 * run's handle awaits as durable (`LiveRun`). Under durability 'full' a chain of n steps
 * costs n + 1 fsyncs: the run's start and each result (the last one with the end).
 *
 * After a crash the run is restored with its children; a step whose process died with the
 * old owner reports `lost` and runs again (at-least-once for the steps in flight, without
 * spending a retry), once its dependencies are settled again: a lost service is started
 * again and awaited first. A result that was committed is never run again (exactly-once).
 *
 * One `setup().createMachine()` whose guards and actions are the run's rules, read together;
 * its types live in `workflow-context.ts`, the pure parts the rules call in `workflow-plan.ts`,
 * `workflow-launch.ts` and `workflow-steps.ts`.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { readyStep, type CommitInput, type WorkflowContext, type WorkflowEvent, type WorkflowInput, type WorkflowOutput } from './workflow-context.js';
import { stepOfChild } from './workflow-launch.js';
import { initialSteps, planSteps, retryDelay, runStatus, serviceStillNeeded, stepNamed, unsettledOf, type StepRecord } from './workflow-plan.js';
import { stepEndOf } from './step-end.js';
import { currentStep, launch, liveChildren, nowOf, spawnSteps, updateSteps, type ChildRequest } from './workflow-steps.js';

// The run's types live in workflow-context.ts; re-exported so imports of this module keep working.
export type { CommitInput, WorkflowContext, WorkflowEvent, WorkflowInput, WorkflowOutput } from './workflow-context.js';

/**
 * The `workflow` kind's machine, with a `commit` that resolves at once: the runtime
 * provides the real one (durable in SQLite), and the orchestrator the step kinds.
 *
 * @example
 * const logic = workflowMachine.provide({ actors: { commit: fromPromise(async ({ input }) => { await orc.durable(); return input }) } })
 */
export const workflowMachine = setup({
  types: {} as {
    context: WorkflowContext;
    input: WorkflowInput;
    events: WorkflowEvent;
    output: WorkflowOutput;
    emitted: ChildRequest;
  },
  actors: {
    commit: fromPromise<CommitInput, CommitInput>(async ({ input }) => input),
  },
  guards: {
    uncommitted: ({ context }) => context.recorded > context.committed,
    settled: ({ context }) => unsettledOf(context) === 0,
    noLiveChildren: ({ context }) => !liveChildren(context),
    runFailed: ({ context }) => context.abort?.status === 'failed' || runStatus(context.workflow, context.steps) === 'failed',
    isCurrentChild: ({ context, event }) => currentStep(context, event.type) !== undefined,
    isCurrentTimeout: ({ context, event }) => event.type === 'workflow.timeout' && context.steps[event.step]?.child === event.child,
    isCurrentService: ({ context, event }) => {
      const name = readyStep(context, event);
      return name !== undefined && stepNamed(context.workflow, name)?.service === true;
    },
    isCurrentReady: ({ context, event }) => readyStep(context, event) !== undefined,
    awaitsApproval: ({ context, event }) => event.type === 'workflow.approve' && context.steps[event.step]?.state === 'approval',
    retryDue: ({ context, event }) => {
      if (event.type !== 'workflow.retry') return false;
      const record = context.steps[event.step];
      return record?.state === 'retrying' && record.attempts + 1 === event.attempt;
    },
  },
  actions: {
    /**
     * A commit is durable: launches what the results it covered allow; marks approvals and
     * skips. Only the steps it covered (the first `changes` names of `changed`) and their
     * dependents are looked at; the names recorded while it ran wait for the next one.
     */
    schedule: enqueueActions(({ context, event, system, enqueue }) => {
      const now = nowOf(system);
      const done = (event as { output?: CommitInput }).output;
      const committed = Math.max(context.committed, done?.seq ?? 0);
      const covered = done?.changes !== undefined && context.changed ? context.changed.slice(0, done.changes) : undefined;
      const pending = covered ? context.changed!.slice(covered.length) : (context.changed ?? []);
      const plan = planSteps(context.workflow, context.steps, committed, covered);
      const marked = updateSteps({ ...context, changed: pending }, [
        ...plan.approval.map((name) => [name, { ...context.steps[name]!, state: 'approval' }] as const),
        ...plan.skip.map(({ step, reason }) => [step, { ...context.steps[step]!, state: 'skipped', error: `Skipped: ${reason}.`, endedAt: now }] as const),
      ]);
      const launched = launch({ ...context, ...marked, committed }, plan.launch, now);
      enqueue.assign({ committed, steps: launched.steps, changed: launched.changed, unsettled: launched.unsettled, recorded: launched.recorded });
      spawnSteps(enqueue, context, launched.spawns);
    }),
    /** A step's child ended while the run goes on: a result, a retry, or a re-run after a crash. */
    recordEnd: enqueueActions(({ context, event, system, enqueue }) => {
      const child = currentStep(context, event.type)!;
      const step = stepNamed(context.workflow, child.step)!;
      const record = context.steps[child.step]!;
      const end = stepEndOf(event as { type: string; output?: unknown; error?: unknown });
      const now = nowOf(system);
      enqueue.cancel(`timeout:${child.childId}`);
      const { child: _child, timedOut, ...rest } = record;
      const ended = { ...rest, exitCode: end.exitCode, outputs: { ...record.outputs, ...end.outputs }, endedAt: now };
      let recorded = context.recorded + 1;
      let next: StepRecord;
      if (end.outcome === 'lost') {
        // Its process died with the orchestrator that ran it: run it again (at-least-once),
        // without spending a retry, once its dependencies (services) are ready again.
        next = step.service && !serviceStillNeeded(context.workflow, context.steps, step.name)
          ? { ...ended, state: 'succeeded' }
          : { ...rest, state: 'waiting' };
      } else if (end.outcome === 'succeeded' && !step.service) {
        const { error: _error, ...clean } = ended;
        next = { ...clean, state: 'succeeded', seq: recorded };
      } else if (record.state === 'ready' && !serviceStillNeeded(context.workflow, context.steps, step.name)) {
        // A service that ends once every step that needed it has settled did its job.
        next = { ...ended, state: 'succeeded' };
      } else {
        const why = end.error ?? `exit code ${String(end.exitCode)}`;
        const error =
          timedOut ? `Step '${step.name}' did not ${step.waitFor || step.service ? 'become ready' : 'finish'} within ${String(step.timeoutMs)}ms, so its terminal was stopped. Raise 'timeout' or check its output.`
          : record.state === 'ready' ? `Service '${step.name}' ended while steps that need it were not done: ${why}`
          : step.service && end.outcome === 'succeeded' ? `Service '${step.name}' exited with code 0 before it became ready.`
          : end.outcome === 'cancelled' ? 'The step was stopped from outside the run.'
          : why;
        const failures = record.failures + 1;
        if (failures < step.retry.attempts) {
          // Not a result: dependents keep waiting, nothing to commit before the retry.
          recorded -= 1;
          next = { ...ended, state: 'retrying', failures, error };
          enqueue.raise({ type: 'workflow.retry', step: step.name, attempt: record.attempts + 1 }, { id: `retry:${step.name}`, delay: retryDelay(step.retry, failures) });
        } else {
          next = { ...ended, state: 'failed', failures, error, seq: recorded };
        }
      }
      enqueue.assign({ ...updateSteps(context, [[step.name, next]]), recorded });
    }),
    recordReady: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'process.ready') return;
      const name = stepOfChild(event.child)!;
      const record = context.steps[name]!;
      const recorded = context.recorded + 1;
      enqueue.cancel(`timeout:${event.child}`);
      enqueue.assign({ recorded, ...updateSteps(context, [[name, { ...record, state: 'ready' as const, outputs: { ...record.outputs, ...event.outputs }, seq: recorded }]]) });
    }),
    /** A terminal step with `wait_for` became ready: its `timeout` was the time to get there. */
    disarmTimeout: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'process.ready') enqueue.cancel(`timeout:${event.child}`);
    }),
    /** A terminal step ran out of time: stop it; its end is then recorded as a timeout. */
    timeOut: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'workflow.timeout') return;
      enqueue.assign(updateSteps(context, [[event.step, { ...context.steps[event.step]!, timedOut: true }]]));
      enqueue.emit({ type: 'troupe.child.stop', child: event.child });
    }),
    retry: enqueueActions(({ context, event, system, enqueue }) => {
      if (event.type !== 'workflow.retry') return;
      const launched = launch(context, [event.step], nowOf(system));
      enqueue.assign({ steps: launched.steps, changed: launched.changed, unsettled: launched.unsettled, recorded: launched.recorded });
      spawnSteps(enqueue, context, launched.spawns);
    }),
    approve: assign(({ context, event }) => {
      if (event.type !== 'workflow.approve') return {};
      const record = context.steps[event.step]!;
      return { recorded: context.recorded + 1, ...updateSteps(context, [[event.step, { ...record, state: 'waiting' as const, approved: true }]]) };
    }),
    /** Stops every live child; steps that never started (or wait to retry) are cancelled now. */
    cancelAll: enqueueActions(({ context, system, enqueue }) => {
      const now = nowOf(system);
      const cancelled: Array<[string, StepRecord]> = [];
      for (const step of context.workflow.steps) {
        const record = context.steps[step.name]!;
        if (record.child !== undefined) {
          enqueue.emit({ type: 'troupe.child.stop', child: record.child });
        } else if (record.state === 'waiting' || record.state === 'approval' || record.state === 'retrying') {
          if (record.state === 'retrying') enqueue.cancel(`retry:${step.name}`);
          cancelled.push([step.name, { ...record, state: 'cancelled', error: context.abort?.reason ?? 'The run was cancelled.', endedAt: now }]);
        }
      }
      enqueue.assign(updateSteps(context, cancelled));
    }),
    /** During cancel or at the end: a child that ended after we asked it to stop. */
    recordStopped: enqueueActions(({ context, event, system, enqueue }) => {
      const child = currentStep(context, event.type)!;
      const step = stepNamed(context.workflow, child.step)!;
      const record = context.steps[child.step]!;
      const end = stepEndOf(event as { type: string; output?: unknown; error?: unknown });
      enqueue.cancel(`timeout:${child.childId}`);
      const { child: _child, timedOut: _timedOut, ...rest } = record;
      const ended = { ...rest, exitCode: end.exitCode, outputs: { ...record.outputs, ...end.outputs }, endedAt: nowOf(system) };
      let next: StepRecord;
      if (end.outcome === 'succeeded' && !step.service) next = { ...ended, state: 'succeeded' };
      // A ready service stopped at the end of the run did its job.
      else if (record.state === 'ready' && !context.abort && end.outcome !== 'failed') next = { ...ended, state: 'succeeded' };
      else if (end.outcome === 'failed' && !context.abort) next = { ...ended, state: 'failed', error: end.error ?? 'The step failed.' };
      else next = { ...ended, state: 'cancelled', error: context.abort?.reason ?? 'The run was cancelled.' };
      enqueue.assign(updateSteps(context, [[step.name, next]]));
    }),
    stopServices: enqueueActions(({ context, enqueue }) => {
      for (const step of context.workflow.steps) {
        const child = context.steps[step.name]?.child;
        if (child !== undefined) enqueue.emit({ type: 'troupe.child.stop', child });
      }
    }),
    end: assign(({ context, system }, params: { status: WorkflowOutput['status'] }) => ({ status: params.status, endedAt: context.endedAt ?? nowOf(system) })),
  },
}).createMachine({
  id: 'workflow',
  context: ({ input, self }) => {
    // Carried steps (`troupe rerun --failed`) start settled, as results committed before the run.
    const steps = initialSteps(input.workflow, input.carried);
    return {
      ...input,
      status: 'running',
      startedAt: nowOf(self.system),
      steps,
      // Every step is new: the first commit writes them all and the first plan looks at them all.
      changed: input.workflow.steps.map((step) => step.name),
      unsettled: unsettledOf({ workflow: input.workflow, steps }),
      // The run's input is the first thing committed: nothing starts before it is durable.
      recorded: 1,
      committed: 0,
    };
  },
  initial: 'running',
  output: ({ context }) => ({ status: context.status as WorkflowOutput['status'], ...(context.abort ? { error: context.abort.reason } : {}) }),
  states: {
    running: {
      initial: 'committing',
      on: {
        'xstate.done.actor.*': { guard: 'isCurrentChild', actions: 'recordEnd' },
        'xstate.error.actor.*': { guard: 'isCurrentChild', actions: 'recordEnd' },
        'process.ready': [
          { guard: 'isCurrentService', actions: 'recordReady' },
          { guard: 'isCurrentReady', actions: 'disarmTimeout' },
        ],
        'workflow.retry': { guard: 'retryDue', actions: 'retry' },
        'workflow.timeout': { guard: 'isCurrentTimeout', actions: 'timeOut' },
        'workflow.approve': { guard: 'awaitsApproval', actions: 'approve' },
        'workflow.cancel': { target: 'cancelling', actions: assign({ abort: { status: 'cancelled', reason: 'The run was cancelled.' } }) },
      },
      states: {
        committing: {
          invoke: {
            id: 'commit',
            src: 'commit',
            input: ({ context }) => ({ runId: context.runId, seq: context.recorded, ...(context.changed ? { changes: context.changed.length } : {}) }),
            onDone: { target: 'scheduling', actions: 'schedule' },
            onError: {
              target: '#workflow.cancelling',
              actions: assign({ abort: ({ event }) => ({ status: 'failed' as const, reason: `The run's state could not be saved, so it was stopped: ${event.error instanceof Error ? event.error.message : String(event.error)}` }) }),
            },
          },
        },
        // A settled run ends without committing its last results first: no step waits for them,
        // and the run's end, written with them, is what `orc.run()` waits to be durable.
        scheduling: {
          always: [{ guard: 'settled', target: '#workflow.finishing' }, { guard: 'uncommitted', target: 'committing' }, { target: 'idle' }],
        },
        // Anything recorded (a result, a readiness, an approval) is committed before it counts.
        idle: { always: [{ guard: 'settled', target: '#workflow.finishing' }, { guard: 'uncommitted', target: 'committing' }] },
      },
    },
    finishing: {
      entry: 'stopServices',
      on: { 'xstate.done.actor.*': { guard: 'isCurrentChild', actions: 'recordStopped' }, 'xstate.error.actor.*': { guard: 'isCurrentChild', actions: 'recordStopped' } },
      always: [{ guard: 'noLiveChildren', target: 'ended' }],
    },
    cancelling: {
      entry: 'cancelAll',
      on: { 'xstate.done.actor.*': { guard: 'isCurrentChild', actions: 'recordStopped' }, 'xstate.error.actor.*': { guard: 'isCurrentChild', actions: 'recordStopped' } },
      always: [{ guard: 'noLiveChildren', target: 'ended' }],
    },
    ended: {
      always: [
        { guard: ({ context }) => context.abort?.status === 'cancelled', target: 'cancelled' },
        { guard: 'runFailed', target: 'failed' },
        { target: 'succeeded' },
      ],
    },
    succeeded: { type: 'final', entry: { type: 'end', params: { status: 'succeeded' } } },
    failed: { type: 'final', tags: ['failure'], entry: { type: 'end', params: { status: 'failed' } } },
    cancelled: { type: 'final', entry: { type: 'end', params: { status: 'cancelled' } } },
  },
});
