/**
 * The `do` operation (issue 16 part 1 on the API and MCP): a one-line orchestration command
 * (`SEQUENCE: npm ci THEN npm test`, `BACKGROUND: redis-server`...) run with `orc.do`. A run
 * answers at once with its id (follow it with workflow_status); BACKGROUND, MONITOR and
 * SIGNAL answer with what they did.
 */
import { z } from 'zod';
import { defineOperation } from '../operation.js';
// The workflow kind's orc.do is typed there.
import type {} from '../../actors/workflow/api.js';

export const troupeDo = defineOperation({
  name: 'troupe.do',
  summary: "Runs a one-line command: 'PARALLEL: a && b', 'SEQUENCE: a THEN b', 'CONDITIONAL: t IF_SUCCESS a IF_FAIL b', 'BACKGROUND: cmd', 'MONITOR: actor UNTIL regex', 'SIGNAL: target message'. A parse error is INVALID_ARGUMENT with a caret.",
  permission: 'runs:write',
  input: z.object({
    text: z.string().min(1).describe('The command line.'),
    timeoutMs: z.number().int().positive().optional().describe('MONITOR: give up after this long (WAIT_TIMEOUT).'),
    id: z.string().min(1).optional().describe("BACKGROUND: the service's actor id."),
    cwd: z.string().startsWith('/').optional().describe("Where the commands run (default: the serve's directory)."),
  }),
  output: z.looseObject({ type: z.enum(['run', 'background', 'monitor', 'signal']) }),
  http: { method: 'POST', path: '/api/do' },
  mcp: 'do',
  run: async ({ orc }, { text, timeoutMs, id, cwd }) => {
    const outcome = await orc.do(text, { ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }), ...(id === undefined ? {} : { id }), ...(cwd === undefined ? {} : { cwd }) });
    if (outcome.type !== 'run') return { ...outcome };
    // Followed through workflow_status and the stream; nobody awaits the result here.
    outcome.run.result.catch(() => {});
    return { type: 'run' as const, id: outcome.run.id, run: outcome.run.view() };
  },
});
