/**
 * `troupe help [command]`: the list of commands, or one command's usage, arguments, options
 * and example (the same as `troupe <command> --help`).
 */
import { defineCommand } from '../command.js';
import { loadAll, loadCommand } from '../command-table.js';
import { commandHelp, mainHelp } from '../help.js';

/**
 * The `troupe help` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help help` prints it).
 *
 * @example
 * const code = await (await import('./help.js')).default.run(context);
 */
export default defineCommand({
  name: 'help',
  summary: 'Show the commands, or one command in full.',
  args: [{ name: '[command]', optional: true, description: 'The command to explain.' }],
  options: [],
  help: '',
  examples: ['troupe help logs'],
  async run({ args, io }) {
    const name = args['[command]'];
    await io.out(name === undefined ? mainHelp(await loadAll()) : commandHelp(await loadCommand(name)));
  },
});
