/**
 * The `workflow` kind: a run is a top-level actor whose children are its steps. Closing
 * the orchestrator freezes it (`keep`), and the next open resumes it from its snapshot.
 */
import { fromPromise } from 'xstate';
import { z } from 'zod';
import { workflowMachine, type CommitInput, type WorkflowInput } from '../machines/workflow.js';
import type { KindDefinition } from './kinds.js';
import type { SplitSnapshot } from './snapshot-parts.js';
import { actorIdSchema, parseSpec } from './spec.js';

/** What the kind needs from the orchestrator. */
export interface WorkflowKindServices {
  /** Resolves once the run's current snapshot is committed to SQLite. */
  commit(runId: string): Promise<void>;
}

// The input is built by `orc.startRun()` from a compiled workflow; this only guards the
// shape against hand-written specs (`orc.spawn({ kind: 'workflow', ... })`).
const workflowSpecSchema = z
  .object({
    kind: z.literal('workflow'),
    id: actorIdSchema,
    input: z
      .object({
        runId: z.string().min(1),
        workflow: z.object({ name: z.string().min(1), steps: z.array(z.object({ name: z.string().min(1) }).passthrough()).min(1) }).passthrough(),
        set: z.record(z.string(), z.string()),
      })
      .strict(),
  })
  .strict();

/**
 * Creates the `workflow` kind, to be registered with the orchestrator.
 *
 * @example
 * orc.define(createWorkflowKind({ commit: (runId) => orc.commit(runId) }))
 */
export function createWorkflowKind(services: WorkflowKindServices): KindDefinition {
  const logic = workflowMachine.provide({
    actors: {
      commit: fromPromise<number, CommitInput>(async ({ input }) => {
        await services.commit(input.runId);
        return input.seq;
      }),
    },
  });
  return {
    kind: 'workflow',
    logic,
    // `orc.stop(run)` cancels it: every step is stopped with its whole process tree.
    stopEvent: { type: 'workflow.cancel' },
    // Its steps are stopped by close(), but the run is kept: the next open resumes it.
    onClose: 'keep',
    split: splitRun,
    compile: (spec) => parseSpec(workflowSpecSchema, spec, 'workflow run spec').input as unknown as WorkflowInput,
  };
}

/**
 * A run's live snapshot as a small main part and keyed parts: its compiled workflow and
 * each step's record (the main part is a copy whose context has markers in their place). A result's commit then writes that step's record and the run's small
 * state, not every record and the whole workflow again (O(1) per step, not O(steps)).
 *
 * @example splitRun(snapshot).parts.get('step:build') // build's record
 */
export function splitRun(snapshot: unknown): SplitSnapshot {
  const persisted = snapshot as { context?: { workflow?: unknown; steps?: Record<string, unknown> } };
  const context = persisted.context;
  if (!context?.steps || !context.workflow) return { main: snapshot, parts: new Map() };
  const parts = new Map<string, unknown>([['workflow', context.workflow]]);
  for (const [name, record] of Object.entries(context.steps)) parts.set(`step:${name}`, record);
  return { main: { ...persisted, context: { ...context, workflow: { $part: 'workflow' }, steps: { $parts: 'step:' } } }, parts };
}
