/**
 * Automatic mode (`mode: auto`, the default of `troupe do`): how a command step runs, chosen
 * from what it is. One table of data, read top to bottom, first match wins; a project adds
 * its own rules in its config file (`modes:`), and those are read first.
 *
 * - a terminal (`pty`) for what prompts: ssh, sudo, passwd, `mysql -p`, ... or a step with a dialog;
 * - a tmux session a person can attach to (`tmux`) for what runs until stopped: a `service`
 *   step, or a known server (redis-server, `npm run dev`, `python -m http.server`, ...);
 * - pipes (`exec`) for everything else.
 */
import type { StepMode } from './types.js';

/** One rule: commands matching `match` (a regex searched in the command) run in `mode`. */
export interface ModeRule {
  readonly match: string;
  readonly mode: StepMode;
  /** What the command is, for `troupe validate --explain` and `ps`: "ssh asks for passwords". */
  readonly why: string;
}

/** Where a program starts in a command line: its start, or after ; & | ( or `sudo `-like words. */
const AT = '(?:^|[;&|(]\\s*|\\benv\\s+(?:\\w+=\\S*\\s+)*)';
const program = (name: string): string => `${AT}${name}(?:\\s|$)`;

/** The built-in rules. Prompting commands come first: `sudo redis-server` asks for a password. */
export const MODE_RULES: readonly ModeRule[] = [
  { match: program('sudo'), mode: 'pty', why: 'sudo asks for a password' },
  { match: program('su'), mode: 'pty', why: 'su asks for a password' },
  { match: program('doas'), mode: 'pty', why: 'doas asks for a password' },
  { match: program('passwd'), mode: 'pty', why: 'passwd asks for passwords' },
  { match: program('ssh'), mode: 'pty', why: 'ssh asks for passwords and host keys' },
  { match: program('(?:scp|sftp)'), mode: 'pty', why: 'scp/sftp ask for passwords' },
  { match: `${program('mysql')}|${AT}mysql\\s.*(?:-p|--password)(?:\\s|$)`, mode: 'pty', why: 'mysql -p asks for a password' },
  { match: `${AT}psql\\s.*(?:-W|--password)(?:\\s|$)`, mode: 'pty', why: 'psql -W asks for a password' },
  { match: program('(?:gpg|ssh-keygen|ssh-add)'), mode: 'pty', why: 'asks for a passphrase' },
  { match: program('(?:vi|vim|nvim|nano|emacs|less|more|top|htop)'), mode: 'pty', why: 'a full-screen program needs a terminal' },
  { match: program('redis-server'), mode: 'tmux', why: 'redis-server is a server' },
  { match: program('(?:postgres|mongod|memcached|nginx|caddy|httpd)'), mode: 'tmux', why: 'a server' },
  { match: `${AT}(?:npm|pnpm|yarn|bun)\\s+(?:run\\s+)?(?:dev|start|serve|watch)(?:\\s|$)`, mode: 'tmux', why: 'a dev server' },
  { match: `${AT}python3?\\s+-m\\s+http\\.server(?:\\s|$)`, mode: 'tmux', why: 'python -m http.server is a server' },
  { match: program('(?:vite|webpack-dev-server|nodemon)'), mode: 'tmux', why: 'a dev server' },
  { match: `${AT}(?:npx\\s+)?next\\s+dev(?:\\s|$)`, mode: 'tmux', why: 'next dev is a dev server' },
  { match: `${AT}(?:rails\\s+s(?:erver)?|flask\\s+run|uvicorn|gunicorn|php\\s+-S)(?:\\s|$)`, mode: 'tmux', why: 'a server' },
  { match: `${AT}tail\\s+-[fF](?:\\s|$)`, mode: 'tmux', why: 'tail -f runs until stopped' },
];

/** What automatic mode chose for a step, and why. */
export interface ModeChoice {
  readonly mode: StepMode;
  readonly why: string;
}

/** What a step tells automatic mode about itself. */
export interface ModeFacts {
  readonly command: string;
  readonly service?: boolean;
  readonly dialog?: boolean;
}

/**
 * The mode for a command: a dialog needs a terminal; else the first rule that matches (the
 * project's rules first, then `MODE_RULES`); else a service gets tmux; else pipes.
 *
 * @example
 * chooseMode({ command: 'ssh deploy@web uptime' }) // { mode: 'pty', why: "rule 'ssh asks for passwords and host keys'" }
 * chooseMode({ command: 'npm test' })              // { mode: 'exec', why: 'no rule matched: pipes' }
 */
export function chooseMode(facts: ModeFacts, rules: readonly ModeRule[] = []): ModeChoice {
  if (facts.dialog) return { mode: 'pty', why: 'the step has a dialog (expect)' };
  for (const rule of [...rules, ...MODE_RULES]) {
    if (new RegExp(rule.match).test(facts.command)) return { mode: rule.mode, why: `rule '${rule.why}'` };
  }
  if (facts.service) return { mode: 'tmux', why: 'a service: runs until stopped' };
  return { mode: 'exec', why: 'no rule matched: pipes' };
}
