/**
 * Turning what is written to a terminal into tmux commands. Text goes in through a paste
 * buffer loaded from the client's stdin (`load-buffer -` then `paste-buffer`): tmux writes
 * its bytes to the program as they are, control characters included, nothing of it appears
 * in any process's arguments (secrets), and it reaches the program even while a person who
 * attached has the pane in copy mode (where `send-keys` would drive copy mode instead).
 * A line end is Enter, pressed on its own.
 */
import { joinCommands } from './tmux-cli.js';

/** One piece of input: bytes to paste, or a press of Enter. */
export type KeyToken = { type: 'text'; text: string } | { type: 'enter' };

/**
 * Splits what a program should receive at its line ends; '\r', '\n' and '\r\n' are each one Enter.
 *
 * @example
 * tokenize('ls\r\x03') // [{ type: 'text', text: 'ls' }, { type: 'enter' }, { type: 'text', text: '\x03' }]
 */
export function tokenize(data: string): KeyToken[] {
  const tokens: KeyToken[] = [];
  for (const part of data.split(/(\r\n|\r|\n)/)) {
    if (part === '') continue;
    if (part === '\r\n' || part === '\r' || part === '\n') tokens.push({ type: 'enter' });
    else tokens.push({ type: 'text', text: part });
  }
  return tokens;
}

/** A command for pasting into `pane` and the bytes its client must get on stdin. */
export interface PasteCommand {
  readonly args: string[];
  readonly stdin: string;
}

/**
 * The tmux commands that type `tokens` into `pane`: consecutive text is pasted at once,
 * each Enter is a paste of its own ('\r', as the Enter key sends).
 *
 * `-d` deletes the buffer once pasted; `-r` keeps tmux from turning line feeds into
 * carriage returns (there are none: they are Enters).
 *
 * @example
 * pasteArgs('%3', tokenize('ls\r')) // load-buffer -b troupe-in-3 - ; paste-buffer ... ; set-buffer ... '\r' ; paste-buffer ...
 */
export function pasteArgs(pane: string, tokens: readonly KeyToken[]): PasteCommand {
  const buffer = `troupe-in-${pane.replace(/^%/, '')}`;
  const paste = ['paste-buffer', '-d', '-r', '-b', buffer, '-t', pane];
  const commands: string[][] = [];
  let stdin = '';
  for (const token of tokens) {
    if (token.type === 'enter') {
      commands.push(['set-buffer', '-b', buffer, '\r'], paste);
    } else {
      // stdin can be read once per invocation: all text of this invocation goes in one paste.
      if (stdin !== '') throw new Error('pasteArgs: one text token per invocation');
      stdin = token.text;
      commands.push(['load-buffer', '-b', buffer, '-'], paste);
    }
  }
  return { args: joinCommands(commands), stdin };
}
