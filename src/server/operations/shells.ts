/**
 * The shell operations an agent drives a terminal with: run a command in an interactive
 * shell (its output and exit code), and type-then-expect, the way pexpect does. The shell
 * kind's handle (`sh.run`, `sh.sendLine`, `sh.expect`).
 */
import { z } from 'zod';
import type { ShellHandle } from '../../actors/shell/handle.js';
import { TroupeError } from '../../runtime/errors.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { EOF } from '../../actors/expect/expect-pattern.js';
import { defineOperation } from '../operation.js';

const shellId = z.string().min(1).describe("The shell actor's id.");

/** The shell's handle; NOT_A_SHELL for another kind, ACTOR_NOT_FOUND for none. */
function shellOf(orc: Orchestrator, id: string): ShellHandle {
  const handle = orc.get(id);
  if (!handle) throw new TroupeError('ACTOR_NOT_FOUND', `No shell '${id}'. Spawn one first: POST /api/actors { spec: { kind: 'shell', id: '${id}' } }.`, { details: { id } });
  if (handle.kind !== 'shell') throw new TroupeError('NOT_A_SHELL', `Actor '${id}' is a ${handle.kind}, not a shell. Run commands in an actor of kind 'shell'.`, { details: { id, kind: handle.kind } });
  return handle as ShellHandle;
}

export const shellRun = defineOperation({
  name: 'shell.run',
  summary: "Runs a command in an interactive shell actor (its cwd, variables, functions) and answers with its output and exit code.",
  permission: 'actors:write',
  input: z.object({
    id: shellId,
    command: z.string().min(1),
    timeout: z.number().int().min(1).max(600_000).default(30_000).describe('ms (default 30000): EXPECT_TIMEOUT after.'),
  }),
  output: z.object({ output: z.string(), exitCode: z.number() }),
  http: { method: 'POST', path: '/api/shells/:id/run' },
  mcp: 'shell_run',
  run: async ({ orc }, { id, command, timeout }) => shellOf(orc, id).run(command, { timeout }),
});

export const shellExpect = defineOperation({
  name: 'shell.expect',
  summary: "Optionally types `send` (and Enter), then waits for one of `patterns` in the shell's output: literal text, or regular expressions with `regex`; `eof` also accepts the shell ending.",
  permission: 'actors:write',
  input: z.object({
    id: shellId,
    send: z.string().optional().describe('A line to type first (Enter is added).'),
    patterns: z.array(z.string().min(1)).min(1).max(20),
    regex: z.boolean().default(false).describe('Patterns are regular expressions (JavaScript syntax).'),
    eof: z.boolean().default(false).describe('The shell ending counts as a match (index = patterns.length).'),
    timeout: z.number().int().min(1).max(600_000).default(30_000).describe('ms (default 30000): EXPECT_TIMEOUT after.'),
  }),
  output: z.object({ index: z.number(), match: z.array(z.string()).nullable(), before: z.string(), after: z.string() }),
  http: { method: 'POST', path: '/api/shells/:id/expect' },
  mcp: 'shell_expect',
  run: async ({ orc }, { id, send, patterns, regex, eof, timeout }) => {
    const shell = shellOf(orc, id);
    const compiled = patterns.map((pattern) => {
      if (!regex) return pattern;
      try {
        return new RegExp(pattern);
      } catch (err: unknown) {
        throw new TroupeError('INVALID_PATTERN', `Pattern ${JSON.stringify(pattern)} is not a regular expression: ${(err as Error).message}. Fix it, or pass regex: false to match it literally.`, { details: { pattern } });
      }
    });
    if (send !== undefined) await shell.sendLine(send);
    const found = await shell.expect(eof ? [...compiled, EOF] : compiled, { timeout });
    return { index: found.index, match: found.match ? [...found.match] : null, before: found.before, after: found.after };
  },
});
