/**
 * `troupe serve`: a foreground daemon that owns the database. It restores everything on
 * start (unfinished runs carry on, kept shells are re-attached, restarts are re-armed),
 * keeps actors going, and answers the other commands, which become its clients (`run`
 * submits runs to it; `send`, `approve`, `cancel`, `stop` take effect at once). SIGTERM or
 * SIGINT stop it gracefully: what cannot outlive it is stopped, kept actors stay kept.
 */
import { createOrchestrator } from '../../runtime/create.js';
import { checkDatabaseFile } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import type { Io } from '../io.js';
import { signalName } from '../run-session.js';
import { cliConfig, configOptions } from '../project.js';
import { applyConfig, startBackup } from '../serve-config.js';

/**
 * Owns `db` until a signal arrives, then closes it; resolves to 0 after a graceful stop.
 * Throws TroupeError DB_LOCKED when another live process owns the database.
 *
 * @example
 * const code = await serve({ db: '/srv/.troupe/state.db' }, io);
 */
export async function serve(options: { readonly db: string }, io: Io): Promise<number> {
  // The project's config file: a backup at start, options, named queues and schedules, retention.
  const config = await cliConfig();
  await startBackup(options.db, config, io);
  // Our signals: the library's default handler would exit before the goodbye line.
  // Relative paths in troupe.yaml (a schedule's workflow file) are the project root's.
  const orc = await createOrchestrator({ ...(await configOptions()), ...(config ? { cwd: config.root } : {}), db: options.db, handleSignals: false, watchInbox: true });
  try {
    const stopCleanup = await applyConfig(orc, config, io);
    await io.out(`troupe serve: owns ${options.db} (pid ${process.pid}); stop it with Ctrl-C or \`kill ${process.pid}\` (SIGTERM)\n`);
    await stopped(io.signal);
    stopCleanup();
    io.err(`troupe serve: ${signalName(io.signal)}: stopping gracefully\n`);
  } finally {
    await orc.close();
  }
  await io.out('troupe serve: stopped\n');
  return 0;
}

/** Resolves when `signal` aborts, keeping the process alive until then (nothing else may). */
function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  // The orchestrator's own timers are unref'd: an idle daemon must still not exit.
  const alive = setInterval(() => {}, 1 << 30);
  return new Promise((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(alive);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * The `troupe serve` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help serve` prints it).
 *
 * @example
 * const code = await (await import('./serve.js')).default.run(context);
 */
export default defineCommand({
  name: 'serve',
  summary: 'Own the database in the foreground, keeping actors and runs going; other commands become its clients.',
  args: [],
  options: [],
  help: `Restores everything on start: unfinished runs carry on, kept shells are re-attached.
While it runs, the other commands are its clients: 'troupe run' submits the run to it
(several runs go at once), and send, approve, cancel take effect at once. SIGTERM or
Ctrl-C stop it gracefully (exit 0): processes it started are stopped, kept actors
(tmux shells) stay. At start it backs the database up (the last backups.keep of these
are kept) and creates the config file's queues and schedules that are missing; it applies
its retention every retention.cleanup_interval. Under systemd: Type=simple, KillSignal=SIGTERM (see
examples/troupe.service).`,
  examples: ['troupe serve', 'troupe serve --db /srv/app/.troupe/state.db'],
  run: ({ db, io }) => {
    // Owning creates the database: the path must be a writable file (the message every command gives).
    checkDatabaseFile(db, { mustExist: false, writable: true });
    return serve({ db }, io);
  },
});
