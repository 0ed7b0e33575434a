/**
 * The shapes of actors on the wire (HTTP, MCP, openapi.json): what `orc.list()` and the
 * reader give (`ActorView`), as zod.
 */
import { z } from 'zod';

/** One actor, as `GET /api/actors` lists it. */
export const actorSchema = z.object({
  id: z.string(),
  kind: z.string(),
  state: z.string().describe("The top-level state: 'running', 'ready', 'failed'..."),
  status: z.enum(['active', 'done', 'error', 'stopped']),
  parent: z.string().nullable(),
  since: z.number().describe('When it entered its state (ms since the epoch).'),
  restarts: z.number(),
  restartAt: z.number().optional(),
  pid: z.number().optional(),
  error: z.string().optional(),
  summary: z.record(z.string(), z.unknown()).optional().describe("The kind's own columns (ps's INFO)."),
});

/** An actor's id in a path or an input. */
export const actorId = z.string().min(1).describe("The actor's id, or a step's '<run>/<step>#<n>'.");

/** An event to send: an object with a string `type`. */
export const eventSchema = z.looseObject({ type: z.string().min(1) }).describe("The event: { type: 'inc', ... }");
