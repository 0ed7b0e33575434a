/**
 * `troupe serve`: a foreground daemon that owns the database. It restores everything on
 * start (unfinished runs carry on, kept shells are re-attached, restarts are re-armed),
 * keeps actors going, and answers the other commands, which become its clients (`run`
 * submits runs to it; `send`, `approve`, `cancel`, `stop` take effect at once). SIGTERM or
 * SIGINT stop it gracefully: what cannot outlive it is stopped, kept actors stay kept.
 */
import { createOrchestrator } from '../../runtime/create.js';
import { checkDatabaseFile } from '../../runtime/reader.js';
import { usageError } from '../args.js';
import { defineCommand } from '../command.js';
import type { Io } from '../io.js';
import { signalName } from '../run-session.js';
import { cliConfig, configOptions } from '../project.js';
import { applyConfig, startBackup } from '../serve-config.js';
import { ownerRunning } from '../../runtime/owner-running.js';

/** How `troupe serve` listens: the API's address, or none (`--no-http`). */
export interface ServeOptions {
  readonly db: string;
  /** Undefined: no HTTP API (the control plane still answers `troupe.op`). */
  readonly http?: { readonly host: string; readonly port: number };
}

/**
 * Owns `db` until a signal arrives, then closes it; resolves to 0 after a graceful stop.
 * Serves the HTTP + WebSocket API (and the MCP server at /mcp) unless `http` is undefined.
 * Throws TroupeError DB_LOCKED when another live process owns the database, PORT_IN_USE
 * when the port is taken.
 *
 * @example
 * const code = await serve({ db: '/srv/.troupe/state.db', http: { host: '127.0.0.1', port: 7357 } }, io);
 */
export async function serve(options: ServeOptions, io: Io): Promise<number> {
  // The server is loaded only when asked for: `--no-http` serves without node:http and ws.
  const server = options.http ? await import('../../server/serve-api.js') : undefined;
  const relay = server?.inspectionRelay();
  // The port first: a taken one (PORT_IN_USE) must fail before anything is restored and
  // started. Unless another process owns the database: then DB_LOCKED is the news.
  const listening = server && options.http && !ownerRunning(options.db) ? await server.reservePort(options.http.host, options.http.port) : undefined;
  // The project's config file: a backup at start, options, named queues and schedules, retention.
  const config = await cliConfig();
  let orc;
  try {
    await startBackup(options.db, config, io);
    // Our signals: the library's default handler would exit before the goodbye line.
    // Relative paths in troupe.yaml (a schedule's workflow file) are the project root's.
    orc = await createOrchestrator({
      ...(await configOptions()),
      ...(config ? { cwd: config.root } : {}),
      db: options.db,
      handleSignals: false,
      watchInbox: true,
      ...(relay ? { inspect: relay.observer } : {}),
    });
  } catch (err) {
    listening?.close();
    throw err;
  }
  let api: Awaited<ReturnType<NonNullable<typeof server>['serveApi']>> | undefined;
  try {
    const { registerOpControl } = await import('../../server/op-control.js');
    registerOpControl(orc);
    if (server && options.http) {
      api = await server.serveApi({ orc, db: options.db, ...options.http, inspection: relay!, ...(listening ? { listening } : {}) });
      for (const line of api.lines) await io.out(`${line}\n`);
      for (const warning of api.warnings) io.err(`${warning}\n`);
    }
    const stopCleanup = await applyConfig(orc, config, io);
    await io.out(`troupe serve: owns ${options.db} (pid ${process.pid}); stop it with Ctrl-C or \`kill ${process.pid}\` (SIGTERM)\n`);
    await stopped(io.signal);
    stopCleanup();
    io.err(`troupe serve: ${signalName(io.signal)}: stopping gracefully\n`);
  } finally {
    if (api) await api.close();
    else listening?.close();
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
  options: [
    { name: 'port', value: '<n>', description: 'Port of the HTTP API, the MCP server and the inspector (default 7357; 0 picks a free one).' },
    { name: 'host', value: '<address>', description: 'Address to listen on (default 127.0.0.1). Anything else is reachable from other machines.' },
    { name: 'no-http', description: 'Serve without the HTTP API (the other commands and `troupe mcp` still work).' },
  ],
  help: `Restores everything on start: unfinished runs carry on, kept shells are re-attached.
While it runs, the other commands are its clients: 'troupe run' submits the run to it
(several runs go at once), and send, approve, cancel take effect at once. SIGTERM or
Ctrl-C stop it gracefully (exit 0): processes it started are stopped, kept actors
(tmux shells) stay. At start it backs the database up (the last backups.keep of these
are kept) and creates the config file's queues and schedules that are missing; it applies
its retention every retention.cleanup_interval. Under systemd: Type=simple,
KillSignal=SIGTERM (see examples/troupe.service).

It serves the HTTP + WebSocket API, the MCP server (/mcp) and the inspector on
http://127.0.0.1:7357 (or the config file's serve.host/serve.port, TROUPE_SERVE_HOST/PORT).
Every request needs the token in the file 'token' beside the database (made at first start,
mode 0600), as 'Authorization: Bearer <token>'; the inspector URL it prints logs a browser
in once. --host other than a loopback address listens beyond this machine, and says so.`,
  examples: ['troupe serve', 'troupe serve --db /srv/app/.troupe/state.db', 'troupe serve --port 0', 'troupe serve --no-http'],
  run: async ({ db, io, options }) => {
    // Owning creates the database: the path must be a writable file (the message every command gives).
    checkDatabaseFile(db, { mustExist: false, writable: true });
    return serve({ db, ...(options['no-http'] === true ? {} : { http: await listenOptions(options['host'], options['port']) }) }, io);
  },
});

/** `--host` and `--port`, checked (exit 2 for a bad port), else the config file's or TROUPE_SERVE_*'s. */
async function listenOptions(host: string | true | undefined, port: string | true | undefined): Promise<{ host: string; port: number }> {
  if (port !== undefined && (typeof port !== 'string' || !/^\d+$/.test(port) || Number(port) > 65535)) {
    throw usageError(`--port '${String(port)}' is not a port. Give a number from 0 (any free port) to 65535.`);
  }
  if (host === true || host === '') throw usageError('--host needs an address: --host 127.0.0.1.');
  const { serveAddress } = await import('../../config/effective.js');
  return serveAddress({ ...(host === undefined ? {} : { host }), ...(port === undefined ? {} : { port }) });
}
