/**
 * An orchestrator in a child process, for crash tests: started from a fixture, awaited until
 * it prints `READY <json>`, then killed (-9) or stopped by the test.
 */
import { execa, type ResultPromise } from 'execa';

/**
 * Starts `node --import tsx <fixture> ...args` and resolves with the JSON it prints after
 * `READY `; rejects with its stderr if it exits first.
 *
 * @example
 * const { child, ready } = await startOwner<{ pid: number }>('test/fixtures/crash-owner.mts', [db])
 * child.kill('SIGKILL')
 */
export async function startOwner<T>(fixture: string, args: readonly string[]): Promise<{ child: ResultPromise; ready: T }> {
  const child = execa('node', ['--import', 'tsx', fixture, ...args], { reject: false, buffer: false });
  let out = '';
  try {
    const ready = await new Promise<T>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /READY (.*)\n/.exec(out);
        if (found) resolve(JSON.parse(found[1]!) as T);
      });
      void child.then((result) => reject(new Error(`owner exited early: ${String(result.stderr ?? '')} ${out}`)));
    });
    return { child, ready };
  } catch (err) {
    await stopOwner(child);
    throw err;
  }
}

/**
 * Stops an owner that is still running, gracefully (SIGTERM), so it takes its processes with it.
 *
 * @example
 * afterEach(() => stopOwner(owner))
 */
export async function stopOwner(child: ResultPromise | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await child;
}
