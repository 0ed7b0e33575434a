/**
 * `troupe.run`: a run submitted by another process to the orchestrator that owns the
 * database (the CLI while `troupe serve` runs; later the HTTP API and MCP). The workflow
 * travels as its YAML text with the file's name and directory, and is compiled here again:
 * the owner trusts nothing a request carries, and the asker already checked it (exit 2 on
 * bad input), so a failure here is rare (an `${env.NAME}` the owner's environment lacks).
 */
import { z } from 'zod';
import { TroupeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { parseWorkflowYaml } from '../../workflow/load.js';
import type { RunHandle, RunOptions } from './runs.js';
import type { CompiledWorkflow } from '../../workflow/types.js';
import type { ModeRule } from '../../workflow/mode-rules.js';

/**
 * The request `troupe run` sends, checked by the owner.
 *
 * @example
 * const { id } = await sendControl(db, { type: 'troupe.run', source: 'name: ci\nsteps: ...', file: 'ci.yaml', baseDir: '/srv/app' }) as RunReply;
 */
export const runRequestSchema = z.object({
  type: z.literal('troupe.run'),
  /** The workflow file's text (YAML). */
  source: z.string(),
  /** The file as the user named it, for messages. */
  file: z.string(),
  /** Where relative `cwd`s are resolved: the file's directory. */
  baseDir: z.string().startsWith('/'),
  set: z.record(z.string(), z.string()).default({}),
  id: z.string().optional(),
});

export type RunRequest = z.input<typeof runRequestSchema>;

/** What `troupe.run` answers: the run's id, to follow it in the database. */
export interface RunReply {
  readonly id: string;
  readonly workflow: string;
}

/**
 * Registers `troupe.run` on the orchestrator's control plane.
 *
 * @example
 * registerRunControl(ctx, (workflow, options) => workflows().startRun(workflow, options));
 */
export function registerRunControl(ctx: KindApiContext, start: (workflow: CompiledWorkflow, options: RunOptions) => RunHandle, modeRules: readonly ModeRule[] = []): void {
  ctx.control('troupe.run', (request) => {
    const parsed = runRequestSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TroupeError('INVALID_ARGUMENT', `A 'troupe.run' request needs { source, file, baseDir (absolute), set? }: ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}.`, {
        details: { issues: parsed.error.issues.length },
      });
    }
    const { source, file, baseDir, set, id } = parsed.data;
    const workflow = parseWorkflowYaml(source, file, baseDir, modeRules);
    const handle = start(workflow, { set, ...(id === undefined ? {} : { id }) });
    // Nobody here waits for the result: the asker follows the run in the database.
    handle.result.catch(() => {});
    return { id: handle.id, workflow: workflow.name } satisfies RunReply;
  });
}
