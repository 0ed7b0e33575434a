/**
 * `troupe serve` as a real process, for the tests of the daemon and its clients: started
 * from source like `troupe()` runs the CLI, awaited until it prints its one line.
 */
import { readFileSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { ROOT } from './cli.js';

export interface Serve {
  readonly child: ResultPromise;
  readonly pid: number;
  /** Everything it printed on stdout so far. */
  stdout(): string;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** The HTTP API, unless started with `--no-http`: its base URL, token file and first login URL. */
  readonly api?: { readonly url: string; readonly port: number; readonly tokenFile: string; readonly loginUrl: string; token(): string };
}

/**
 * Starts `troupe serve --db <db>` and resolves once it owns the database; rejects with
 * what it printed if it exits first.
 *
 * @example
 * const serve = await startServe(db); ... serve.child.kill('SIGTERM'); await serve.child;
 */
export async function startServe(db: string, env: Record<string, string> = {}, args: readonly string[] = []): Promise<Serve> {
  // A free port unless told: serves of parallel tests must not fight over 7357.
  const listen = args.includes('--port') || args.includes('--no-http') ? args : ['--port', '0', ...args];
  const child = execa('node', ['--import', 'tsx', 'src/cli/run.ts', 'serve', '--db', db, ...listen], {
    cwd: ROOT,
    reject: false,
    buffer: false,
    env: { TROUPE_DB: undefined, TZ: 'UTC', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const look = () => (out.includes('troupe serve: owns') ? resolve() : undefined);
    child.stdout!.on('data', look);
    void child.then(() => reject(new Error(`troupe serve exited early: ${out} ${err}`)));
  });
  const api = /api: (http:\/\/\S+) \(token file (\S+);/.exec(out);
  const login = /inspector: (\S+)/.exec(out);
  const token = api ? readFileSync(api[2]!, 'utf8').trim() : '';
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    ...(api && login
      ? { api: { url: api[1]!, port: Number(new URL(api[1]!).port), tokenFile: api[2]!, loginUrl: login[1]!, token: () => token } }
      : {}),
  };
}

/**
 * Stops a serve still running, gracefully (SIGTERM), so it takes its processes with it.
 *
 * @example
 * afterEach(() => stopServe(serve))
 */
export async function stopServe(serve: Serve | undefined): Promise<void> {
  if (!serve || serve.child.exitCode !== null || serve.child.signalCode !== null) return;
  serve.child.kill('SIGTERM');
  await serve.child;
}
