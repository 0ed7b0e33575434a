/**
 * The workflow run operations: list, get, start (a spec object or YAML text, with `set`),
 * approve a step, cancel. The workflow kind's `orc.runs`, `orc.startRun`, `orc.approve`,
 * `orc.cancelRun`.
 */
import { z } from 'zod';
import { TroupeError } from '../../runtime/errors.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { parseWorkflowYaml } from '../../workflow/load.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import type { RunView } from '../../workflow/types.js';
import { defineOperation } from '../operation.js';
// The workflow kind's methods on the orchestrator (orc.runs, orc.startRun...) are typed there.
import type {} from '../../actors/workflow/api.js';

const stepSchema = z.object({
  name: z.string(),
  state: z.string().describe("'waiting', 'approval', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled'..."),
  attempts: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  durationMs: z.number().optional(),
  exitCode: z.number().nullable().optional(),
  outputs: z.record(z.string(), z.string()),
  error: z.string().optional(),
  maxAttempts: z.number().optional(),
  retryAt: z.number().optional(),
  carriedFrom: z.string().optional(),
  agent: z.string().optional(),
  waitingFor: z.string().optional(),
});

/** A run as `GET /api/runs/:id` gives it: status, and each step's state, attempts, duration and outputs. */
export const runSchema = z.object({
  id: z.string(),
  workflow: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  steps: z.array(stepSchema),
});

const runId = z.string().min(1).describe("The run's id: 'deploy-x7k2p9'.");

function runOf(orc: Orchestrator, id: string): RunView {
  const run = orc.runs().find((view) => view.id === id);
  if (!run) throw new TroupeError('RUN_NOT_FOUND', `No run '${id}'. GET /api/runs lists the runs there are.`, { details: { id } });
  return run;
}

export const runList = defineOperation({
  name: 'run.list',
  summary: 'Every workflow run, newest first, with its steps.',
  permission: 'runs:read',
  input: z.object({ status: z.enum(['running', 'succeeded', 'failed', 'cancelled']).optional().describe('Only runs in this status.') }),
  output: z.object({ runs: z.array(runSchema) }),
  http: { method: 'GET', path: '/api/runs' },
  mcp: 'workflow_list',
  run: ({ orc }, { status }) => ({ runs: orc.runs().filter((run) => status === undefined || run.status === status) }),
});

export const runGet = defineOperation({
  name: 'run.get',
  summary: "A run's status and its steps: state, attempts, durations, exit codes, outputs, errors.",
  permission: 'runs:read',
  input: z.object({ id: runId }),
  output: z.object({ run: runSchema }),
  http: { method: 'GET', path: '/api/runs/:id' },
  mcp: 'workflow_status',
  run: ({ orc }, { id }) => ({ run: runOf(orc, id) }),
});

export const runStart = defineOperation({
  name: 'run.start',
  summary: 'Starts a workflow run from a spec object (`workflow`) or YAML text (`yaml`), with `set` variables; answers at once with its id (INVALID_WORKFLOW lists every problem).',
  permission: 'runs:write',
  input: z
    .object({
      workflow: z.looseObject({ name: z.string() }).optional().describe('The workflow as an object: { name, steps: [...] }.'),
      yaml: z.string().optional().describe('The workflow as YAML text.'),
      set: z.record(z.string(), z.string()).default({}).describe('Variables: ${NAME} in the workflow.'),
      id: z.string().optional().describe("The run's id (default: the workflow's name and a random suffix)."),
      baseDir: z.string().startsWith('/').optional().describe("Where relative cwds resolve (default: the serve's directory)."),
    })
    .refine((input) => (input.workflow === undefined) !== (input.yaml === undefined), { message: 'give the workflow as `workflow` (an object) or as `yaml` (text), one of them' }),
  output: z.object({ id: z.string(), workflow: z.string(), run: runSchema }),
  http: { method: 'POST', path: '/api/runs' },
  mcp: 'workflow_run',
  run: ({ orc }, { workflow, yaml, set, id, baseDir }) => {
    const spec = yaml !== undefined ? parseWorkflowYaml(yaml, 'workflow.yaml', baseDir ?? process.cwd()) : (workflow as unknown as WorkflowSpec);
    const handle = orc.startRun(spec, { set, ...(id === undefined ? {} : { id }) });
    // Followed through GET /api/runs/:id and the stream; nobody awaits the result here.
    handle.result.catch(() => {});
    const run = handle.view();
    return { id: handle.id, workflow: run.workflow, run };
  },
});

export const runApprove = defineOperation({
  name: 'run.approve',
  summary: 'Lets a step waiting for approval start (STEP_NOT_FOUND, NOT_AWAITING_APPROVAL, RUN_FINISHED).',
  permission: 'runs:write',
  input: z.object({ id: runId, step: z.string().min(1).describe('The step to approve.') }),
  output: z.object({ run: runSchema }),
  http: { method: 'POST', path: '/api/runs/:id/approve' },
  mcp: 'workflow_approve',
  run: async ({ orc }, { id, step }) => {
    orc.approve(id, step);
    await orc.durable();
    return { run: runOf(orc, id) };
  },
});

export const runCancel = defineOperation({
  name: 'run.cancel',
  summary: 'Cancels a run: every step is stopped with its process tree; answers with the final view.',
  permission: 'runs:write',
  input: z.object({ id: runId }),
  output: z.object({ run: runSchema }),
  http: { method: 'POST', path: '/api/runs/:id/cancel' },
  mcp: 'workflow_cancel',
  run: async ({ orc }, { id }) => ({ run: await orc.cancelRun(id) }),
});
