import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { compactJson, formatAge, formatDelay, formatTable } from '../src/cli/format.js';
import { loadAll, loadCommand } from '../src/cli/command-table.js';
import { commandHelp, mainHelp } from '../src/cli/help.js';
import { ROOT, troupe } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

describe('bad input exits 2', () => {
  const hint = " Run 'troupe --help' for usage.";
  const cases: Array<[string[], string]> = [
    [['frob'], `Unknown command 'frob'.${hint}`],
    [['ps', '--bogus'], `Unknown option '--bogus' for 'troupe ps'.${hint}`],
    [['logs', 'c1', '--json'], `Unknown option '--json' for 'troupe logs'.${hint}`],
    [['sned', 'c1'], `Unknown command 'sned'. Did you mean 'send'?${hint}`],
    [['logs', 'c1', '-n', 'x'], "-n takes a whole number above 0, got 'x'. Example: troupe logs web -n 20."],
    [['completion', 'fish'], "troupe completion knows bash and zsh, not 'fish'. Example: source <(troupe completion bash)."],
    [['help', 'nope'], `Unknown command 'nope'.${hint}`],
    [['ps', '--db'], `Option '--db' needs a value.${hint}`],
    [['logs'], `Missing <id> (usage: troupe logs <id>).${hint}`],
    [['send', 'c1'], `Missing '<event json>' (usage: troupe send <id> '<event json>').${hint}`],
    [['send', 'c1', '{type:', 'inc}'], `Unexpected argument 'inc}' (usage: troupe send <id> '<event json>'). Quote the event JSON as one argument.${hint}`],
    [['send', 'c1', '[1]'], `The event must be a JSON object with a string "type", got [1]. Example: troupe send c1 '{"type":"inc"}'.`],
    [['send', 'c1', '{"by":1}'], `The event needs a non-empty string "type", got no "type". Example: troupe send c1 '{"type":"inc"}'.`],
    [['send', 'c1', '{"type":7}'], `The event needs a non-empty string "type", got "type": 7. Example: troupe send c1 '{"type":"inc"}'.`],
    [
      ['send', 'bad id', '{"type":"inc"}'],
      "'bad id' is not an actor id: ids use letters, digits, '_', '-', '.', ':' and '/' between path segments, starting with a letter or digit. `troupe ps` lists the actors.",
    ],
  ];

  it('unknown commands and options, missing or extra arguments, bad events and ids', async () => {
    // No database exists: input is checked before any is opened. All at once, to save time.
    const env = { TROUPE_DB: join(tempDir(), 'none.db') };
    const results = await Promise.all(cases.map(([args]) => troupe(args, { env })));
    expect(results.map((r, i) => ({ args: cases[i]![0], exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }))).toEqual(
      cases.map(([args, message]) => ({ args, exitCode: 2, stdout: '', stderr: `troupe: ${message}` })),
    );
  });

  it('invalid JSON names the parse error', async () => {
    const { exitCode, stderr } = await troupe(['send', 'c1', '{"type":']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^troupe: The event is not valid JSON \(.+\)\. Quote it for the shell, e\.g\. troupe send c1 '\{"type":"inc"\}'\.$/);
  });

  it('no command prints the usage on stderr', async () => {
    const { exitCode, stdout, stderr } = await troupe([]);
    expect({ exitCode, stdout }).toEqual({ exitCode: 2, stdout: '' });
    expect(stderr).toBe(`${mainHelp(await loadAll())}troupe: Missing the command.${hint}`);
  });
});

describe('help and version', () => {
  it('--help and help print the list of commands; --version the version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const usage = mainHelp(await loadAll()).trimEnd();
    const results = await Promise.all([troupe(['--help']), troupe(['help']), troupe(['--version'])]);
    expect(results.map((r) => [r.exitCode, r.stdout, r.stderr])).toEqual([
      [0, usage, ''],
      [0, usage, ''],
      [0, pkg.version, ''],
    ]);
    expect(usage).toContain('\n  logs <id>                 Show an actor');
  });

  it('help <command>, <command> --help and -h print that command: usage, arguments, options, examples', async () => {
    const results = await Promise.all([troupe(['help', 'logs']), troupe(['logs', '--help']), troupe(['logs', 'x', '-h', '--db', '/nowhere'])]);
    const expected = commandHelp(await loadCommand('logs')).trimEnd();
    expect(results.map((r) => [r.exitCode, r.stdout, r.stderr])).toEqual([
      [0, expected, ''],
      [0, expected, ''],
      [0, expected, ''],
    ]);
    expect(expected.split('\n').slice(0, 3)).toEqual(['Usage: troupe logs <id> [options]', '', "Show an actor's state, lifecycle journal and output; a run's steps; or one step."]);
    expect(expected).toContain('\nArguments:\n  <id>  An actor id, a run id, or <run-id>/<step> for one step of a run.\n');
    expect(expected).toContain('\n  -n, --lines <N>    Only the last N journal lines and N output lines (of each step, for a run).\n');
    expect(expected).toContain("\n      --db <path>    The database. Default: $TROUPE_DB, else troupe.yaml's db, else .troupe/state.db in the project root\n");
    expect(expected).toMatch(/\nExamples:\n {2}troupe logs web -n 20\n/);
  });

  it('--db is accepted by every command, even where unused', async () => {
    const { exitCode, stdout, stderr } = await troupe(['validate', 'examples/password-dialog.yaml', '--db', join(tempDir(), 'unused.db')], { env: { DB_PASSWORD: 'secret' } });
    expect([exitCode, stdout, stderr]).toEqual([0, 'password-dialog: 1 step, ok', '']);
  });
});

describe('formatting and parsing helpers', () => {
  it('ages, delays, tables and compact JSON', () => {
    expect([formatAge(-5), formatAge(3_400), formatAge(125_000), formatAge(7_200_000), formatAge(3 * 86_400_000)]).toEqual(['0s', '3s', '2m', '2h', '3d']);
    expect([formatDelay(450), formatDelay(2_500), formatDelay(90_000)]).toEqual(['450ms', '2.5s', '1m']);
    expect(formatTable(['ID', 'STATE'], [['c1', 'counting'], ['web-server', 'ready']])).toBe('ID          STATE\nc1          counting\nweb-server  ready\n');
    expect(compactJson({ a: 'x'.repeat(400) }, 20)).toBe('{"a":"xxxxxxxxxxx...');
  });

  it('parses options in any position, = values, aliases and --', () => {
    const specs = [
      { name: 'db', takesValue: true },
      { name: 'follow', short: 'f', takesValue: false },
    ];
    expect(parseArgs(['--db=x.db', 'logs', '-f', 'web'], specs)).toEqual({
      positionals: ['logs', 'web'],
      options: { db: 'x.db', follow: true },
      spelled: { db: '--db', follow: '-f' },
    });
    expect(parseArgs(['send', '--', '-odd', '{}'], specs).positionals).toEqual(['send', '-odd', '{}']);
  });
});
