/**
 * `troupe memory get|set|ls`: shared memory from the shell. `get` and `ls` read the database
 * (whether or not an owner runs); `set` writes through the owner while one runs (so its
 * subscribers hear it), else by opening the database for the moment.
 */
import { withReader } from '../../runtime/reader.js';
import type { MemoryEntry } from '../../runtime/memory.js';
import { actionOf, optionText, usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatTable, formatTimestamp } from '../format.js';
import { ownerOrOpen } from '../owner-request.js';

const ACTIONS = ['get', 'set', 'ls'] as const;
const LEVELS = ['private', 'shared', 'public'] as const;

/** A value as typed: JSON when it parses (`42`, `{"a":1}`, `"quoted"`), else the text itself. */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The `troupe memory` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help memory` prints it).
 *
 * @example
 * const code = await (await import('./memory.js')).default.run(context);
 */
export default defineCommand({
  name: 'memory',
  summary: "Read, write or list the agents' shared memory.",
  args: [
    { name: '<op>', description: 'get, set or ls.' },
    { name: '[key]', optional: true, description: 'get, set: the key; ls: a prefix (every key without one).' },
    { name: '[data]', optional: true, description: 'set: the value, JSON or plain text.' },
  ],
  options: [
    { name: 'as', value: '<agent>', description: "Read or write as this agent (access checked for it). get/ls without it: as the operator, who sees every key; set without it: as 'operator'." },
    { name: 'access', value: '<level>', description: "set: private (the owner only; a new key's default), shared (the owner's team) or public." },
  ],
  json: 'get: print the whole entry (owner, access, version, times); ls: print the entries.',
  help: `A key is owned by whoever wrote it first. private: only its owner reads it; shared: its
owner's team (the agent spec's team, else the workflow run or queue it runs under) reads and
writes it; public: everyone. Each write is the next version; the last 20 are kept.
get prints the value as JSON; a missing key exits 1.`,
  examples: ['troupe memory set api/schema \'{"version":3}\' --as pm --access public', 'troupe memory get api/schema', 'troupe memory get plan --as dev-1', 'troupe memory ls api/ --json'],
  async run({ db, args, options, io }) {
    const action = actionOf('memory', args['<op>'], ACTIONS);
    const key = args['[key]'];
    const as = optionText(options, 'as');
    const json = options['json'] === true;
    if (action === 'ls') {
      const entries = withReader(db, (reader) => reader.memoryList(key ?? '', as));
      if (json) return await io.out(`${JSON.stringify(entries, null, 2)}\n`);
      if (entries.length === 0) return await io.out('no keys\n');
      return await io.out(formatTable(['KEY', 'OWNER', 'ACCESS', 'VERSION', 'MODIFIED', 'BY'], entries.map((e) => [e.key, e.owner, e.access, String(e.version), formatTimestamp(e.modified), e.modifiedBy])));
    }
    if (key === undefined) throw usageError(`memory ${action} needs the key: troupe memory ${action} <key>${action === 'set' ? ' <value>' : ''}.`);
    if (action === 'get') {
      const entry = withReader(db, (reader) => reader.memory(key, as));
      if (!entry) {
        await io.err(`No memory key '${key}'. \`troupe memory ls\` lists the keys there are.\n`);
        return 1;
      }
      return await io.out(`${JSON.stringify(json ? entry : entry.data, null, 2)}\n`);
    }
    const value = args['[data]'];
    if (value === undefined) throw usageError(`memory set needs the value: troupe memory set ${key} '<json or text>'.`);
    const access = options['access'];
    if (access !== undefined && !(LEVELS as readonly unknown[]).includes(access)) throw usageError(`--access '${String(access)}' is not a level. Use private, shared or public.`);
    const who = as ?? 'operator';
    const data = valueOf(value);
    const request = { type: 'memory.write', who, key, data, ...(typeof access === 'string' ? { access } : {}) };
    const { entry } = await ownerOrOpen(db, request, async (orc) => ({ entry: orc.memory.write(who, key, data, typeof access === 'string' ? { access: access as (typeof LEVELS)[number] } : {}) }), { create: true });
    return await io.out(`${key} = version ${String(entry.version)} (${entry.access}, owner ${entry.owner})\n`);
  },
});

export type { MemoryEntry };
