/**
 * Workflow runs through the orchestrator: start one (`run`, `startRun`), find the ones a
 * previous owner left unfinished (`resumeRuns`; they were restored when the database was
 * opened), list them, approve a step, cancel a run. The rules of a run live in its machine
 * (src/machines/workflow.ts); this is the glue between it and callers.
 */
import { customAlphabet } from 'nanoid';
import type { OutputSink } from '../output/output.js';
import { dryLaunches } from '../../machines/workflow-launch.js';
import type { WorkflowEvent, WorkflowInput } from '../../machines/workflow.js';
import { compileWorkflow } from '../../workflow/compile.js';
import type { ModeRule } from '../../workflow/mode-rules.js';
import { closest } from '../../workflow/dag.js';
import { preflight } from '../../workflow/preflight.js';
import { ENV_NAME, type WorkflowSpec } from '../../workflow/spec.js';
import type { CompiledWorkflow, RunResult, RunView } from '../../workflow/types.js';
import { carryOver } from '../../workflow/rerun.js';
import type { CarriedStep } from '../../machines/workflow-plan.js';
import type { ActorRecord } from '../../runtime/actor-record.js';
import { TroupeError } from '../../runtime/errors.js';
import { LiveRun, viewOf, type RunHandle } from './live-run.js';

export type { RunHandle } from './live-run.js';

/**
 * How to start a run.
 *
 * @example
 * await orc.run(workflow, { id: 'deploy-42', set: { TARGET: 'staging' } })
 */
export interface RunOptions {
  /** The run's id. Default `<workflow name>-<6 random characters>`. */
  id?: string;
  /**
   * Values that act as if they were in the invoking environment, and win over the
   * workflow's `env`. They are stored with the run (so a resume sees them): secrets belong
   * in the environment, read with `${env.NAME}`, never in `set`.
   */
  set?: Record<string, string>;
}


/**
 * How to rerun a finished run.
 *
 * @example orc.rerun('ci-x1', { failed: true })
 */
export interface RerunOptions {
  /** Run only the steps that did not succeed and their dependents; carry the others over. */
  failed?: boolean;
  /** The new run's id. Default `<workflow name>-<6 random characters>`. */
  id?: string;
}

/** What the runs need from the orchestrator. */
export interface RunsHost {
  /** Base for the relative `cwd`s of workflows given as specs. */
  readonly cwd: string;
  /** The project's rules for `mode: auto` (createOrchestrator's `modeRules`). */
  readonly modeRules?: readonly ModeRule[];
  /** Compiles a step's spec through its kind, as spawning it would; throws what spawning would. */
  checkChild(id: string, spec: Record<string, unknown>, extra?: Record<string, unknown>): void;
  /** Spawns a top-level actor now; throws a TroupeError for a bad spec. */
  spawn(spec: unknown): void;
  record(id: string): ActorRecord | undefined;
  records(): Iterable<ActorRecord>;
  send(id: string, event: WorkflowEvent): void;
  watchOutputs(watcher: (actorId: string, sink: OutputSink) => void): () => void;
  /** Resolves once the actor's current state is committed (fsynced under durability 'full'). */
  durable(id: string): Promise<void>;
  /** Restores a run the database was opened with paused (`resumeRuns: false`); false if it runs already. */
  wake(record: ActorRecord): boolean;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const suffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 6);

/** The API behind `orc.run()`, `orc.startRun()`, `orc.resumeRuns()`, `orc.runs()`, `orc.approve()` and `orc.cancelRun()`. */
export class WorkflowRuns {
  constructor(private readonly host: RunsHost) {}

  /**
   * A new run of a finished run's workflow, with its `set`; with `failed`, only the steps that
   * did not succeed and their dependents run, the others carried over (src/workflow/rerun.ts).
   */
  rerun(runId: string, options: RerunOptions = {}): RunHandle {
    const record = this.runRecord(runId);
    if (record.status === 'active') {
      throw new TroupeError('RUN_UNFINISHED', `Run '${runId}' has not finished yet. Wait for it, or cancel it first: \`troupe cancel ${runId}\`.`, { details: { runId } });
    }
    const input = record.spec['input'] as WorkflowInput;
    const view = viewOf(record);
    const carried = options.failed && view ? carryOver(input.workflow, view) : {};
    if (options.failed && Object.keys(carried).length === input.workflow.steps.length) {
      throw new TroupeError('INVALID_ARGUMENT', `Run '${runId}' has no failed steps to run again (it ${view?.status ?? 'ended'}). Rerun it whole: \`troupe rerun ${runId}\`.`, { details: { runId } });
    }
    return this.startRun(input.workflow, { set: input.set, ...(options.id === undefined ? {} : { id: options.id }) }, carried);
  }

  /** Starts a run; throws (nothing started) for an invalid workflow, id or `set`. */
  startRun(workflow: CompiledWorkflow | WorkflowSpec, options: RunOptions = {}, carried: Record<string, CarriedStep> = {}): RunHandle {
    const compiled = isCompiled(workflow) ? workflow : compileWorkflow(workflow, { baseDir: this.host.cwd, ...(this.host.modeRules ? { modeRules: this.host.modeRules } : {}) });
    const set = checkSet(options.set ?? {});
    // Missing directories and variables fail the start, not a step after others ran.
    preflight(compiled, { ...process.env, ...set });
    const runId = options.id ?? `${idPrefix(compiled.name)}-${suffix()}`;
    if (!RUN_ID.test(runId)) {
      throw new TroupeError('INVALID_ARGUMENT', `Run id '${runId}' is not valid. Use letters, digits, '_', '-', '.' and ':', starting with a letter or digit.`, { details: { runId } });
    }
    const existing = this.host.record(runId);
    if (existing) {
      throw new TroupeError('ACTOR_EXISTS', `Run id '${runId}' is taken (by a ${existing.kind} in state '${existing.state}'). Pick another id.`, { details: { id: runId } });
    }
    this.checkSteps(compiled, runId, set);
    const input: WorkflowInput = { runId, workflow: compiled, set, ...(Object.keys(carried).length ? { carried } : {}) };
    this.host.spawn({ kind: 'workflow', id: runId, input });
    return new LiveRun(this.host, runId);
  }

  /**
   * Compiles every step through its kind, as `orc.spawn` would, before anything is recorded:
   * a step is refused for what would refuse the actor (CWD_NOT_ALLOWED, UNKNOWN_KIND...).
   */
  private checkSteps(workflow: CompiledWorkflow, runId: string, set: Record<string, string>): void {
    for (const { step, launch } of dryLaunches(workflow, runId, set)) {
      try {
        this.host.checkChild(`${runId}/${launch.childId}`, launch.spec, launch.input as Record<string, unknown> | undefined);
      } catch (err) {
        if (!(err instanceof TroupeError)) throw err;
        throw new TroupeError(err.code, `Step '${step}' of workflow '${workflow.name}' can't run: ${err.message}`, { cause: err, details: { ...err.details, step, workflow: workflow.name } });
      }
    }
  }

  /** Runs a workflow to its end. */
  async run(workflow: CompiledWorkflow | WorkflowSpec, options: RunOptions = {}): Promise<RunResult> {
    return this.startRun(workflow, options).result;
  }

  /** Handles on unfinished runs: all of them, or the one named (RUN_NOT_FOUND, RUN_FINISHED). */
  resumeRuns(runId?: string): RunHandle[] {
    const records = runId !== undefined ? [this.unfinished(runId)] : this.workflowRecords().filter((record) => record.status === 'active');
    for (const record of records) this.host.wake(record);
    return records.map((record) => new LiveRun(this.host, record.id));
  }

  /** Every run in the database, newest first. */
  runs(): RunView[] {
    return this.workflowRecords()
      .map((record) => viewOf(record))
      .filter((view): view is RunView => view !== undefined)
      .sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
  }

  /** Lets a step that waits for approval start (RUN_NOT_FOUND, RUN_FINISHED, STEP_NOT_FOUND, NOT_AWAITING_APPROVAL). */
  approve(runId: string, step: string): void {
    const record = this.unfinished(runId);
    const view = viewOf(record);
    const target = view?.steps.find((s) => s.name === step);
    if (!view || !target) {
      const names = view?.steps.map((s) => s.name) ?? [];
      const guess = closest(step, names);
      throw new TroupeError(
        'STEP_NOT_FOUND',
        `Run '${runId}' has no step '${step}'.${guess ? ` Did you mean '${guess}'?` : ''} Its steps: ${names.join(', ')}.`,
        { details: { runId, step, steps: names } },
      );
    }
    if (target.state !== 'approval') {
      throw new TroupeError(
        'NOT_AWAITING_APPROVAL',
        `Step '${step}' of run '${runId}' is not waiting for approval (it is '${target.state}'). Approve a step when \`troupe ps\` shows it in 'approval'.`,
        { details: { runId, step, state: target.state } },
      );
    }
    this.host.send(runId, { type: 'workflow.approve', step });
  }

  /** Stops every step of a run (whole process trees); resolves with its final view, status 'cancelled'. */
  cancelRun(runId: string): Promise<RunResult> {
    const record = this.unfinished(runId);
    const handle = new LiveRun(this.host, record.id);
    this.host.send(runId, { type: 'workflow.cancel' });
    return handle.result;
  }

  private workflowRecords(): ActorRecord[] {
    return [...this.host.records()].filter((record) => record.kind === 'workflow');
  }

  private runRecord(runId: string): ActorRecord {
    const record = this.host.record(runId);
    if (!record || record.kind !== 'workflow') {
      const guess = closest(runId, this.workflowRecords().map((r) => r.id));
      throw new TroupeError('RUN_NOT_FOUND', `No run '${runId}' in this database.${guess ? ` Did you mean '${guess}'?` : ''} \`troupe ps\` lists the runs.`, {
        details: { runId },
      });
    }
    return record;
  }

  private unfinished(runId: string): ActorRecord {
    const record = this.runRecord(runId);
    if (record.status !== 'active') {
      const status = viewOf(record)?.status ?? record.state;
      throw new TroupeError('RUN_FINISHED', `Run '${runId}' has already finished (${status}). Start the workflow again with \`troupe run\`.`, {
        details: { runId, status },
      });
    }
    return record;
  }
}

/** A compiled workflow (from `loadWorkflowFile` or `compileWorkflow`) rather than a spec to compile. */
function isCompiled(workflow: CompiledWorkflow | WorkflowSpec): workflow is CompiledWorkflow {
  return Array.isArray(workflow.steps) && workflow.steps.every((step) => {
    const s = step as Partial<CompiledWorkflow['steps'][number]>;
    return Array.isArray(s.dependsOn) && typeof s.cwd === 'string' && typeof s.retry === 'object' && typeof s.retry?.delayMs === 'number';
  });
}

function checkSet(set: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(set)) {
    if (!ENV_NAME.test(key)) {
      throw new TroupeError('INVALID_ARGUMENT', `'${key}' in set is not a variable name. Use letters, digits and '_', not starting with a digit.`, { details: { key } });
    }
    if (typeof value !== 'string') {
      throw new TroupeError('INVALID_ARGUMENT', `set.${key} must be a string, not ${typeof value}. Quote it, e.g. '${String(value)}'.`, { details: { key } });
    }
  }
  return { ...set };
}

/** The workflow's name as the start of a run id: characters an id can't hold become '-'. */
function idPrefix(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60);
  return cleaned || 'run';
}
