/**
 * `troupe serve` as a real process, for the tests of the daemon and its clients: started
 * from source like `troupe()` runs the CLI, awaited until it prints its one line.
 */
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './cli.js';

export interface Serve {
  readonly child: ResultPromise;
  readonly pid: number;
  /** Everything it printed on stdout so far. */
  stdout(): string;
}

/**
 * Starts `troupe serve --db <db>` (in `cwd`, default the repository) and resolves once it
 * owns the database; rejects with what it printed if it exits first.
 *
 * @example
 * const serve = await startServe(db); ... serve.child.kill('SIGTERM'); await serve.child;
 */
export async function startServe(db: string, env: Record<string, string> = {}, cwd?: string): Promise<Serve> {
  // From another directory (a project with its own troupe.yaml), tsx and the CLI by their absolute paths.
  const node = cwd === undefined ? ['--import', 'tsx', 'src/cli/run.ts'] : ['--import', pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href, join(ROOT, 'src', 'cli', 'run.ts')];
  const child = execa('node', [...node, 'serve', '--db', db], {
    cwd: cwd ?? ROOT,
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
  return { child, pid: child.pid!, stdout: () => out };
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
