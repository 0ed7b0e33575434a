/**
 * Turning bytes written to a terminal into tmux `send-keys` commands. Printable text goes
 * literally (`-l`), a line end becomes the Enter key (so it is a key press, not part of a
 * paste), and other control characters go as hex (`-H`), which tmux writes as raw bytes.
 */
import { NEXT } from './tmux-cli.js';

/** One piece of input: literal text, raw bytes, or a press of Enter. */
export type KeyToken = { type: 'text'; text: string } | { type: 'hex'; bytes: string[] } | { type: 'enter' };

// Control characters other than the line ends, and DEL.
const CONTROL = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * Splits what a program should receive into tokens. '\r', '\n' and '\r\n' are each one Enter.
 *
 * @example
 * tokenize('ls\r\x03') // [{ type: 'text', text: 'ls' }, { type: 'enter' }, { type: 'hex', bytes: ['03'] }]
 */
export function tokenize(data: string): KeyToken[] {
  const tokens: KeyToken[] = [];
  let text = '';
  const flushText = () => {
    if (text !== '') tokens.push({ type: 'text', text });
    text = '';
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === '\r' || c === '\n') {
      flushText();
      tokens.push({ type: 'enter' });
      if (c === '\r' && data[i + 1] === '\n') i++;
    } else if (CONTROL.test(c)) {
      flushText();
      const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
      const last = tokens.at(-1);
      if (last?.type === 'hex') last.bytes.push(hex);
      else tokens.push({ type: 'hex', bytes: [hex] });
    } else {
      text += c;
    }
  }
  flushText();
  return tokens;
}

/**
 * The tmux arguments (commands joined by `NEXT`) that type `tokens` into `pane`.
 *
 * tmux reads an argument that ends in ';' as the end of a command, even after `-l --`: a
 * trailing ';' of literal text is therefore sent as a byte (`-H 3b`).
 *
 * @example
 * sendKeysArgs('%3', tokenize('echo a;\r')) // send-keys -l 'echo a' ; send-keys -H 3b ; send-keys Enter
 */
export function sendKeysArgs(pane: string, tokens: readonly KeyToken[]): string[] {
  const commands: string[][] = [];
  for (const token of tokens) {
    if (token.type === 'enter') commands.push(['send-keys', '-t', pane, 'Enter']);
    else if (token.type === 'hex') commands.push(['send-keys', '-t', pane, '-H', ...token.bytes]);
    else {
      const body = token.text.replace(/;+$/, '');
      const semicolons = token.text.length - body.length;
      if (body !== '') commands.push(['send-keys', '-t', pane, '-l', '--', body]);
      if (semicolons > 0) commands.push(['send-keys', '-t', pane, '-H', ...Array<string>(semicolons).fill('3b')]);
    }
  }
  return joinCommands(commands);
}

/**
 * Joins tmux commands into the arguments of one invocation.
 *
 * @example
 * joinCommands([['display', '-p', 'x'], ['send-keys', 'Enter']]) // ['display', '-p', 'x', ';', 'send-keys', 'Enter']
 */
export function joinCommands(commands: readonly (readonly string[])[]): string[] {
  const args: string[] = [];
  for (const command of commands) {
    if (args.length > 0) args.push(NEXT);
    args.push(...command);
  }
  return args;
}
