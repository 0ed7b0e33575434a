/**
 * The shared-memory operations (`orc.memory`): read, write and list keys as an agent. The
 * caller names who it is with `agent` (access is checked for that id; scoped identities
 * replace the argument later).
 */
import { z } from 'zod';
import { defineOperation } from '../operation.js';

const entrySchema = z.object({
  key: z.string(),
  data: z.unknown(),
  owner: z.string(),
  access: z.enum(['private', 'shared', 'public']),
  version: z.number(),
  created: z.number(),
  modified: z.number(),
  modifiedBy: z.string(),
});

const agent = z.string().min(1).describe('Who reads or writes (your agent id): access is checked for it.');
const key = z.string().min(1).max(256).describe("The key, such as 'api/schema'.");

export const memoryRead = defineOperation({
  name: 'memory.read',
  summary: 'Reads a shared-memory key (null when there is none); ACCESS_DENIED names its owner and level.',
  permission: 'memory:read',
  input: z.object({ agent, key }),
  output: z.object({ entry: entrySchema.nullable() }),
  http: { method: 'GET', path: '/api/memory/:key' },
  mcp: 'memory_read',
  run: ({ orc }, input) => ({ entry: orc.memory.read(input.agent, input.key) ?? null }),
});

export const memoryWrite = defineOperation({
  name: 'memory.write',
  summary: "Writes the next version of a shared-memory key: 'private' (yours only, the default for a new key), 'shared' (your team) or 'public'.",
  permission: 'memory:write',
  input: z.object({ agent, key, data: z.unknown().describe('Any JSON value.'), access: z.enum(['private', 'shared', 'public']).optional().describe("Default: the key's level, 'private' for a new key.") }),
  output: z.object({ entry: entrySchema }),
  http: { method: 'POST', path: '/api/memory/:key' },
  mcp: 'memory_write',
  run: ({ orc }, input) => ({ entry: orc.memory.write(input.agent, input.key, input.data, input.access !== undefined ? { access: input.access } : {}) }),
});

export const memoryList = defineOperation({
  name: 'memory.list',
  summary: 'Lists the shared-memory keys under a prefix that the agent may read.',
  permission: 'memory:read',
  input: z.object({ agent, prefix: z.string().max(256).default('').describe("Only keys starting with this, such as 'api/'.") }),
  output: z.object({ entries: z.array(entrySchema) }),
  http: { method: 'GET', path: '/api/memory' },
  mcp: 'memory_list',
  run: ({ orc }, input) => ({ entries: orc.memory.list(input.prefix, input.agent) }),
});
