/**
 * Turning what is written to a terminal into tmux commands. Text goes in through a paste
 * buffer (`set-buffer` then `paste-buffer`, sent over the control client's pipe, so it
 * appears in no process's arguments): tmux writes its bytes to the program as they are,
 * control characters included, and it reaches the program even while a person who attached
 * has the pane in copy mode (where `send-keys` would drive copy mode instead). A line end is
 * Enter, pressed on its own.
 */

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

/**
 * The tmux commands that type `tokens` into `pane`: each text is put in a buffer and pasted,
 * each Enter is a paste of its own ('\r', what the Enter key sends).
 *
 * `-d` deletes the buffer once pasted; `-r` keeps tmux from turning line feeds into
 * carriage returns (there are none: they are Enters).
 *
 * @example
 * pasteCommands('%3', tokenize('ls\r')) // set-buffer ... ls; paste-buffer ...; set-buffer ... '\r'; paste-buffer ...
 */
export function pasteCommands(pane: string, tokens: readonly KeyToken[]): string[][] {
  const buffer = `troupe-in-${pane.replace(/^%/, '')}`;
  const paste = ['paste-buffer', '-d', '-r', '-b', buffer, '-t', pane];
  return tokens.flatMap((token) => [['set-buffer', '-b', buffer, '--', token.type === 'enter' ? '\r' : token.text], paste]);
}
