/**
 * `troupe config show [--json]`: the effective configuration, each setting with where it
 * came from: a flag, the environment (`TROUPE_*`), the config file (`file:line:col`), or
 * the default.
 */
import { projectConfig, type Setting } from '../../config/effective.js';
import { usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { compactJson, formatTable } from '../format.js';

/** A value on one line: scalars as they are, the rest as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : compactJson(value, 70);
}

/**
 * The `troupe config` command, loaded by name from the command table.
 *
 * @example
 * const code = await (await import('./config.js')).default.run(context);
 */
export default defineCommand({
  name: 'config',
  summary: 'Show the effective configuration and where each value came from.',
  args: [{ name: '<op>', description: 'show.' }],
  options: [],
  json: 'print { file, root, settings: [{ key, value, source, from }] }.',
  help: `The config file is troupe.yaml at the project root, or .troupe/config.yaml, found
from the working directory upward (like git). Each value comes from, in order of
precedence: a flag (--db), the environment (TROUPE_DB, TROUPE_SERVE_PORT, ... : TROUPE_
and the key's path in upper case), the file (shown as file:line:col), or the default.
Unknown keys and bad values are errors with file:line:col (exit 2). schema/config.schema.json
describes every key for editors.`,
  examples: ['troupe config show', 'troupe config show --json'],
  async run({ args, options, io }) {
    if (args['<op>'] !== 'show') throw usageError(`Unknown config action '${String(args['<op>'])}'. Use: troupe config show [--json].`);
    const flag = options['db'];
    const config = projectConfig({ flags: { db: typeof flag === 'string' ? flag : undefined } });
    // A flag's path is as typed; the database shown is the one used, made absolute.
    const settings: Setting[] = config.settings.map((s) => (s.key === 'db' ? { ...s, value: config.db } : s));
    if (options['json'] === true) {
      return await io.out(`${JSON.stringify({ file: config.file ?? null, root: config.root, settings }, null, 2)}\n`);
    }
    const head = config.file === undefined ? `no config file (looked for troupe.yaml and .troupe/config.yaml from ${process.cwd()} upward)\n` : `config file: ${config.file}\n`;
    await io.out(head + formatTable(['KEY', 'VALUE', 'FROM'], settings.map((s) => [s.key, shown(s.value), s.source === 'file' || s.source === 'default' ? s.from : `${s.source} ${s.from}`])));
  },
});
