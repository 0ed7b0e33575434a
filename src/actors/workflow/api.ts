/**
 * The orchestrator methods of the `workflow` kind (`orc.run`, `startRun`, `resumeRuns`,
 * `runs`, `approve`, `cancelRun`): installed when the kind is registered, typed here by
 * merging the `Orchestrator` interface. The logic lives in runs.ts.
 */
import type { WorkflowInput } from '../../machines/workflow.js';
import type { ActorHandle } from '../../runtime/handle.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { TroupeError } from '../../runtime/errors.js';
import type { AnyEvent } from '../../runtime/router.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import type { CompiledWorkflow, RunResult, RunView } from '../../workflow/types.js';
import { WorkflowRuns, type RerunOptions, type RunHandle, type RunOptions } from './runs.js';
import { registerRunControl } from './control.js';
import { runDo, type DoOptions, type DoOutcome } from './do.js';
import { compileWorkflow } from '../../workflow/compile.js';
import type { ModeRule } from '../../workflow/mode-rules.js';

export type { DoOptions, DoOutcome, RerunOptions, RunHandle, RunOptions };

/**
 * The workflow kind's `api`.
 *
 * @example orc.register(defineKind({ ...workflowKind, api: workflowApi }))
 */
export function workflowApi(ctx: KindApiContext) {
  const modeRules = ctx.services.options.modeRules ?? [];
  let runs: WorkflowRuns | undefined;
  // Made on first use: most orchestrators never start a run.
  const workflows = (): WorkflowRuns => {
    ctx.assertOpen();
    return (runs ??= new WorkflowRuns({
      cwd: ctx.services.cwd,
      spawn: (spec) => ctx.spawn(spec),
      record: (id) => ctx.record(id),
      records: () => ctx.records(),
      send: (id, event) => ctx.send(id, event as unknown as AnyEvent),
      watchOutputs: (watcher) => ctx.watchOutputs(watcher),
      durable: (id) => ctx.services.commit(id),
      checkChild: (id, spec, extra) => ctx.checkChild(id, spec, extra),
      wake: (record) => ctx.wake(record.id),
    }));
  };
  // Invalid input rejects (never throws) from the promise-returning methods.
  const rejecting = <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return work();
    } catch (err) {
      return Promise.reject(err);
    }
  };
  // `troupe rerun` while an orchestrator owns the database: the owner starts the new run.
  ctx.control('troupe.rerun', (request) => {
    if (typeof request['runId'] !== 'string') throw new TroupeError('INVALID_ARGUMENT', "A 'troupe.rerun' request needs the run's id as a string in 'runId'.");
    const handle = workflows().rerun(request['runId'], { failed: request['failed'] === true });
    return { id: handle.id, workflow: handle.view().workflow };
  });
  // Other processes submit runs through the control plane (`troupe run` while `troupe serve` owns the database).
  registerRunControl(ctx, (workflow, options) => workflows().startRun(workflow, options), modeRules);
  return {
    rerun: (runId: string, options?: RerunOptions): RunHandle => workflows().rerun(runId, options),
    run: (workflow: CompiledWorkflow | WorkflowSpec, options?: RunOptions): Promise<RunResult> => rejecting(() => workflows().run(workflow, options)),
    startRun: (workflow: CompiledWorkflow | WorkflowSpec, options?: RunOptions): RunHandle => workflows().startRun(workflow, options),
    resumeRuns: (runId?: string): RunHandle[] => workflows().resumeRuns(runId),
    runs: (): RunView[] => workflows().runs(),
    approve: (runId: string, step: string): void => workflows().approve(runId, step),
    cancelRun: (runId: string): Promise<RunResult> => rejecting(() => workflows().cancelRun(runId)),
    do: (text: string, options: DoOptions = {}): Promise<DoOutcome> =>
      rejecting(() => runDo(ctx, text, options, (workflow) => workflows().startRun(compileWorkflow(workflow, { baseDir: options.cwd ?? ctx.services.cwd, modeRules })))),
  };
}

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    workflow: { spec: { kind: 'workflow'; id: string; input: WorkflowInput }; handle: ActorHandle };
  }
}

declare module '../../runtime/create.js' {
  interface OrchestratorOptions {
    /**
     * Carry on the workflow runs a previous owner left unfinished as soon as the database
     * opens (default true: runs are durable). False leaves them paused, resumable with
     * `orc.resumeRuns()` (what `troupe run` does, so it runs only its own run). Processes a
     * dead owner left are reaped either way.
     */
    readonly resumeRuns?: boolean;
    /**
     * The project's rules for `mode: auto` (the config file's `modes`), read before the
     * built-in table (src/workflow/mode-rules.ts): `[{ match: '^deploy\\b', mode: 'pty', why: 'deploy asks for an OTP' }]`.
     */
    readonly modeRules?: readonly ModeRule[];
  }
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * Runs a workflow to its end and resolves with its final view (status, and each step's
     * state, attempts, outputs and duration). Step failures are in the status, not thrown;
     * an invalid workflow rejects before anything starts. Unfinished runs in the database were
     * resumed when it opened and go on alongside (`resumeRuns()` to wait for them); this
     * waits for its own run only, and keeps Node alive until then.
     *
     * @example
     * const result = await orc.run(defineWorkflow({ name: 'ci', steps: [{ name: 'test', command: 'npm test' }] }));
     * result.status // 'succeeded'
     */
    run(workflow: CompiledWorkflow | WorkflowSpec, options?: RunOptions): Promise<RunResult>;
    /**
     * Starts a run and returns a handle to watch it (`view`, `onChange`, `onOutput`, `result`).
     *
     * @example
     * const run = orc.startRun(loadWorkflowFile('deploy.yaml'), { set: { TARGET: 'staging' } });
     */
    startRun(workflow: CompiledWorkflow | WorkflowSpec, options?: RunOptions): RunHandle;
    /**
     * Handles on unfinished runs: every one, or the one named (RUN_NOT_FOUND, RUN_FINISHED).
     * Runs restored when the database opened are going already; runs it left paused
     * (`createOrchestrator({ resumeRuns: false })`) start again now.
     *
     * @example
     * for (const run of orc.resumeRuns()) await run.result;
     */
    resumeRuns(runId?: string): RunHandle[];
    /**
     * A new run of a finished run's workflow, with the same `set` (RUN_NOT_FOUND, RUN_UNFINISHED).
     * With `{ failed: true }` only the steps that did not succeed and their dependents run; the
     * others are carried over, succeeded, with their outputs (`carriedFrom` in the view).
     *
     * @example const again = orc.rerun('ci-x7k2p9', { failed: true }); await again.result;
     */
    rerun(runId: string, options?: RerunOptions): RunHandle;
    /** @example orc.runs()[0]?.status // the newest run's */
    runs(): RunView[];
    /**
     * Lets a step waiting for approval start (RUN_NOT_FOUND, RUN_FINISHED, STEP_NOT_FOUND, NOT_AWAITING_APPROVAL).
     *
     * @example orc.approve('deploy-x7k2p9', 'release');
     */
    approve(runId: string, step: string): void;
    /**
     * Cancels a run: every step is stopped with its whole process tree; resolves with the
     * final view (status 'cancelled').
     *
     * @example await orc.cancelRun('deploy-x7k2p9');
     */
    cancelRun(runId: string): Promise<RunResult>;
    /**
     * Runs a one-line orchestration command, as `troupe do` does: PARALLEL (`a && b`),
     * SEQUENCE (`a THEN b`) and CONDITIONAL (`test IF_SUCCESS a IF_FAIL b`) start a run of the
     * workflow a YAML file would give (steps in `mode: auto`); BACKGROUND starts a kept tmux
     * service; MONITOR waits until an actor's output matches a regex; SIGNAL sends an event to
     * an actor, or publishes on a topic. A text that does not parse rejects with INVALID_DO.
     *
     * @example
     * const outcome = await orc.do('SEQUENCE: npm ci THEN npm test');
     * if (outcome.type === 'run') (await outcome.run.result).status // 'succeeded'
     */
    do(text: string, options?: DoOptions): Promise<DoOutcome>;
  }
}
