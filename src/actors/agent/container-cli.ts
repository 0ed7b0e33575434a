/**
 * A headless agent CLI run inside the session's container actor (`<agent>/container`):
 * the container is found by troupe's labels once it runs, and the CLI is `docker exec -i`'d
 * in it (`openExecStream`), presented as the child process the headless runner drives
 * (stdin, stdout, stderr, pid, exit). On a local engine the exec'd program is a session
 * leader with a host pid, so the runner's process-group stops and interrupts reach it.
 */
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { dbLabel, dockerClient, dockerEndpoint, LABEL_ACTOR, LABEL_DB } from '../container/client.js';
import { openExecStream } from '../container/exec.js';
import { TroupeError } from '../../runtime/errors.js';

/** How long a session waits for its container to run (an image may be pulled or built first). */
const CONTAINER_WAIT_MS = 120_000;

/** The part of a child process the headless runner uses. */
export interface CliProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  once(event: 'exit' | 'close', listener: () => void): unknown;
}

class ExecProcess extends EventEmitter implements CliProcess {
  exitCode: number | null = null;
  readonly signalCode = null;
  constructor(
    readonly pid: number | undefined,
    readonly stdin: Writable,
    readonly stdout: Readable,
    readonly stderr: Readable,
  ) {
    super();
  }
}

/**
 * Starts `argv` in the running container of `<actorId>/container`. Throws TroupeError
 * CONTAINER_TIMEOUT when it does not run within two minutes, DOCKER_* when the exec fails.
 *
 * @example const child = await execInSessionContainer(dbKey, 'fixer', ['claude', '-p', ...], { env, workdir: cwd })
 */
export async function execInSessionContainer(
  dbKey: string,
  actorId: string,
  argv: readonly string[],
  options: { env: Readonly<Record<string, string>>; workdir: string; host?: string },
): Promise<CliProcess> {
  const container = await runningContainer(dbKey, `${actorId}/container`, options.host);
  const run = await openExecStream(container, argv, { env: options.env, workdir: options.workdir, ...(options.host === undefined ? {} : { host: options.host }) });
  // Docker reports the pid a moment after the exec starts.
  let pid: number | undefined;
  for (let attempt = 0; attempt < 100 && pid === undefined; attempt++) {
    pid = await run.pid().catch(() => undefined);
    if (pid === undefined) await sleep(20);
  }
  const child = new ExecProcess(pid, run.stdin, run.stdout, run.stderr);
  void run.exited.then((code) => {
    child.exitCode = code;
    child.emit('exit');
    child.emit('close');
  });
  return child;
}

/**
 * The id of the running container of `<actorId>/container`, once it runs (CONTAINER_TIMEOUT
 * after two minutes): where an interactive session's `docker exec -it` goes.
 *
 * @example const id = await sessionContainer(dbKey, 'fixer')
 */
export function sessionContainer(dbKey: string, actorId: string, host?: string): Promise<string> {
  return runningContainer(dbKey, `${actorId}/container`, host);
}

async function runningContainer(dbKey: string, actor: string, host: string | undefined): Promise<string> {
  const docker = dockerClient(dockerEndpoint(host));
  const deadline = Date.now() + CONTAINER_WAIT_MS;
  for (;;) {
    const found = await docker
      .listContainers({ filters: { label: [`${LABEL_DB}=${dbLabel(dbKey)}`, `${LABEL_ACTOR}=${actor}`], status: ['running'] } })
      .catch(() => []);
    const id = found[0]?.Id;
    if (id !== undefined) return id;
    if (Date.now() > deadline) {
      throw new TroupeError('CONTAINER_TIMEOUT', `The container of '${actor}' did not run within ${String(CONTAINER_WAIT_MS / 1000)} s. See \`troupe ps\` and \`troupe logs ${actor}\`.`, { details: { actor } });
    }
    await sleep(100);
  }
}
