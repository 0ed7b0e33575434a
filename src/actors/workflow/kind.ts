/**
 * The `workflow` kind: a run is a top-level actor whose children are its steps. Closing
 * the orchestrator freezes it (`keep`), and the next open resumes it from its snapshot.
 */
import { fromPromise } from 'xstate';
import { z } from 'zod';
import { workflowMachine, type CommitInput, type WorkflowInput } from '../../machines/workflow.js';
import { defineKind } from '../../runtime/kind.js';
import { actorIdSchema } from '../../runtime/spec.js';
import { workflowApi } from './api.js';
import { splitRun } from './split.js';

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
        carried: z.record(z.string(), z.object({ from: z.string().min(1) }).passthrough()).optional(),
      })
      .strict(),
  })
  .strict();

/**
 * The `workflow` kind, registered by `createOrchestrator` (src/kinds.ts): a run is a
 * top-level actor whose children are its steps; `orc.run`, `startRun`, `resumeRuns`,
 * `runs`, `approve` and `cancelRun` are its API.
 *
 * @example
 * const result = await orc.run(defineWorkflow({ name: 'ci', steps: [{ name: 'test', command: 'npm test' }] }));
 */
export const workflowKind = defineKind<z.infer<typeof workflowSpecSchema>, WorkflowInput>({
  kind: 'workflow',
  machine: workflowMachine,
  provide: (services) =>
    workflowMachine.provide({
      actors: {
        // Write-ahead: a step's result is committed before any dependent step starts.
        commit: fromPromise<CommitInput, CommitInput>(async ({ input }) => {
          await services.commit(input.runId);
          return input;
        }),
      },
    }),
  spec: workflowSpecSchema,
  // The input is built by `orc.startRun()` from a compiled workflow, and only shape-checked here.
  input: (spec) => spec.input as unknown as WorkflowInput,
  // `orc.stop(run)` cancels it: every step is stopped with its whole process tree.
  stop: { type: 'workflow.cancel' },
  // Its steps are stopped by close(), but the run is kept: the next open resumes it.
  close: 'keep',
  // Persisted in pieces: a step's result commit writes that step's record, not the whole run.
  split: splitRun,
  // `createOrchestrator({ resumeRuns: false })` (what `troupe run` does) leaves a previous
  // owner's unfinished runs paused until `orc.resumeRuns()` wakes them.
  hold: (_spec, services) => services.options.resumeRuns === false,
  api: workflowApi,
});
