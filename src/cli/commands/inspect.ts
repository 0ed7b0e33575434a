/**
 * `troupe inspect`: opens the inspector of a database. Asks the serve that owns it for a
 * one-time login URL; when nobody owns it, starts `troupe serve` in the background first
 * (its output goes to `serve.log` beside the database). Prints the URL, and opens it with
 * xdg-open when there is a display.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendControl } from '../../runtime/control-client.js';
import { TroupeError } from '../../runtime/errors.js';
import { checkDatabaseFile } from '../../runtime/reader.js';
import { usageError } from '../args.js';
import { defineCommand } from '../command.js';

/** The control request a serve answers with a login URL (src/server/inspector/inspect-control.ts). */
const INSPECT_CONTROL = 'troupe.inspect';
/** How long a serve started here may take to answer. */
const START_TIMEOUT_MS = 20_000;

/**
 * The login URL from the owner; undefined when nobody owns the database (or it does not
 * exist yet), or, while a serve started here comes up, when it does not answer yet.
 */
async function askOwner(db: string, starting = false): Promise<string | undefined> {
  if (!existsSync(db)) return undefined;
  try {
    const answer = (await sendControl(db, { type: INSPECT_CONTROL }, { timeoutMs: 10_000 })) as { url: string };
    return answer.url;
  } catch (err: unknown) {
    if (err instanceof TroupeError && err.code === 'NO_OWNER') return undefined;
    // A serve coming up creates the database, then answers its inbox, then starts its HTTP
    // server (and answers this request): until then, not yet.
    if (starting) return undefined;
    if (err instanceof TroupeError && err.code === 'CONTROL_UNKNOWN') {
      throw new TroupeError('CONTROL_UNKNOWN', `The process that owns ${db} serves no inspector (a \`troupe serve --no-http\`, or a program of its own). Stop it and run \`troupe inspect --db ${db}\` again, or start \`troupe serve --db ${db}\`.`, { cause: err });
    }
    throw err;
  }
}

/** Starts `troupe serve` for `db` detached from this process, the same way this CLI was started. */
function startServe(db: string, port: string | undefined): string {
  mkdirSync(dirname(db), { recursive: true });
  const log = join(dirname(db), 'serve.log');
  const out = openSync(log, 'a');
  try {
    const script = process.argv[1];
    if (!script) throw new TroupeError('SPAWN_FAILED', 'Cannot tell how this CLI was started, so cannot start `troupe serve`. Start it yourself: `troupe serve`.');
    const child = spawn(process.execPath, [...process.execArgv, script, 'serve', '--db', db, ...(port === undefined ? [] : ['--port', port])], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
  } finally {
    closeSync(out);
  }
  return log;
}

/** Opens `url` in the desktop's browser when there is a display; false when it did not try. */
function openBrowser(url: string): boolean {
  if (!process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) return false;
  const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
  // No xdg-open: the printed URL is enough.
  child.on('error', () => {});
  child.unref();
  return true;
}

/**
 * The `troupe inspect` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help inspect` prints it).
 *
 * @example
 * const code = await (await import('./inspect.js')).default.run(context);
 */
export default defineCommand({
  name: 'inspect',
  summary: 'Open the inspector in a browser (starting `troupe serve` in the background if none runs).',
  args: [],
  options: [
    { name: 'port', value: '<n>', description: 'Port for a serve started here (default 7357; 0 picks a free one).' },
    { name: 'no-open', description: 'Print the URL only; do not start a browser.' },
  ],
  help: `Asks the 'troupe serve' that owns the database for a one-time login URL; when none
runs, starts one in the background first (its output goes to serve.log beside the
database; stop it with 'kill <pid>' as 'troupe ps' shows the owner). Prints the URL and,
when there is a display, opens it with xdg-open. The link logs one browser in once.`,
  examples: ['troupe inspect', 'troupe inspect --db /srv/app/.troupe/state.db', 'troupe inspect --no-open'],
  async run({ db, io, options }) {
    const port = options['port'];
    if (port !== undefined && (typeof port !== 'string' || !/^\d+$/.test(port) || Number(port) > 65535)) {
      throw usageError(`--port '${String(port)}' is not a port. Give a number from 0 (any free port) to 65535.`);
    }
    checkDatabaseFile(db, { mustExist: false, writable: true });
    let url = await askOwner(db);
    if (url === undefined) {
      const log = startServe(db, port);
      await io.out(`troupe inspect: started troupe serve for ${db} (output in ${log})\n`);
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (url === undefined) {
        if (Date.now() > deadline) {
          throw new TroupeError('CONTROL_TIMEOUT', `The troupe serve started for ${db} did not answer within ${START_TIMEOUT_MS / 1000}s. Read ${log} for why.`);
        }
        await sleep(100);
        url = await askOwner(db, true);
      }
    }
    await io.out(`inspector: ${url}\n`);
    if (options['no-open'] !== true && openBrowser(url)) await io.out('troupe inspect: opened in your browser\n');
  },
});
