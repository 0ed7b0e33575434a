/**
 * `troupe completion bash|zsh`: prints a completion script generated from the command
 * definitions, so it never lags behind them.
 */
import { TroupeError } from '../../runtime/errors.js';
import { defineCommand } from '../command.js';
import { loadAll } from '../command-table.js';
import { bashCompletion, zshCompletion } from '../completion-script.js';

/**
 * The `troupe completion` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help completion` prints it).
 *
 * @example
 * const code = await (await import('./completion.js')).default.run(context);
 */
export default defineCommand({
  name: 'completion',
  summary: 'Print a shell completion script (commands, options, actor ids).',
  args: [{ name: '<shell>', description: 'bash or zsh.' }],
  options: [],
  help: `Actor ids are completed from 'troupe ps -q --all' in the current directory (or $TROUPE_DB).`,
  examples: ['source <(troupe completion bash)   # in ~/.bashrc', 'source <(troupe completion zsh)    # in ~/.zshrc, after compinit'],
  async run({ args, io }) {
    const shell = args['<shell>']!;
    if (shell !== 'bash' && shell !== 'zsh') {
      throw new TroupeError('INVALID_ARGUMENT', `troupe completion knows bash and zsh, not '${shell}'. Example: source <(troupe completion bash).`, { details: { shell } });
    }
    const commands = await loadAll();
    await io.out(shell === 'bash' ? bashCompletion(commands) : zshCompletion(commands));
  },
});
