/**
 * The docker terminal backend: a program run by `docker exec` with a TTY in a running
 * container (a container actor's, any container by name, or a throwaway one made from an
 * image), its raw bytes over Docker's hijacked connection. It implements the same Terminal
 * interface as the pty and tmux, so `sendLine`, `expect`, `run`, dialogs and secrets work
 * unchanged.
 *
 * Like the pty, the program waits for `go()` (a line typed into `sh -c 'read -r _ ...'`) until
 * its handle is recorded: the image needs a `sh`. On a local engine the exec'd program is a
 * host process leading its own session; its pid and start time are its handle, so stopping
 * it, and reaping it after a crash of its owner, are those of a pty's session.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { ContainerMount } from '../../machines/container.js';
import { TroupeError } from '../../runtime/errors.js';
import { dbLabel, dockerClient, dockerEndpoint, dockerError, LABEL_ACTOR, LABEL_DB } from '../container/client.js';
import { openExecTty, type ExecTty } from '../container/exec.js';
import { containerName, labelsOf, removeContainer } from '../container/local.js';
import { readStartTime } from '../proc/proc-info.js';
import { stopSession } from '../proc/proc-session.js';
import type { Terminal, TerminalExit, TerminalHandle, TerminalOptions } from './terminal.js';
import { EchoSkip } from './echo-skip.js';

export type DockerHandle = Extract<TerminalHandle, { backend: 'docker' }>;

/**
 * Where a docker terminal runs: an existing container (an actor's id, or Docker's name or id),
 * or a throwaway one from an image, with host directories mounted (checked by the caller
 * against `allowedDirs`: see `compileContainerSpec`).
 *
 * @example { image: 'node:20', mounts: [{ source: '/srv/app', target: '/work', readonly: false }] }
 */
export interface DockerTarget {
  readonly container?: string;
  readonly image?: string;
  readonly host?: string;
  /** For a throwaway container only. */
  readonly mounts?: readonly ContainerMount[];
}

/** As the pty's gate: the program starts on the go line, and becomes `sh`'s pid. */
const GATE = 'read -r _ || exit 125; exec "$0" "$@"';
const GO_ECHO = '\r\n';
/** How long the exec may take to report its end once its program is gone. */
const EXIT_WAIT_MS = 5_000;

/**
 * Opens a docker exec terminal for `options.file` in the target's container (made first, for
 * an image), gated until `go()`. Throws DOCKER_UNAVAILABLE, DOCKER_FAILED or SPAWN_FAILED
 * (no such container).
 *
 * Other kinds may use it for a program in a container (an agent CLI): the result is a
 * Terminal like a pty's, with `go()` to call once its handle is recorded.
 *
 * @example
 * const terminal = await openDocker(options, { container: 'db' }, dbKey)
 * recordHandle(terminal.handle); terminal.go()
 */
export async function openDocker(options: TerminalOptions, target: DockerTarget, dbKey: string): Promise<Terminal & { go(): void }> {
  const endpoint = dockerEndpoint(target.host);
  const docker = dockerClient(endpoint);
  let throwaway = false;
  let container: string;
  try {
    if (target.image !== undefined) {
      const created = await docker.createContainer({
        name: containerName(options.id),
        Image: target.image,
        // Something to exec into, ended with the shell (removed by force).
        Cmd: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'],
        Labels: labelsOf({ db: dbLabel(dbKey), actor: options.id, owner: String(process.pid), keep: false }),
        HostConfig: { Binds: (target.mounts ?? []).map((mount) => `${mount.source}:${mount.target}${mount.readonly ? ':ro' : ''}`) },
      });
      container = created.id;
      throwaway = true;
      await created.start();
    } else {
      container = await resolveContainer(docker, target.container ?? '', dbKey, options.id);
    }
  } catch (err: unknown) {
    throw dockerError(err, endpoint, `opening a shell for '${options.id}'`);
  }
  try {
    const session = await openExecTty(docker, container, ['sh', '-c', GATE, options.file, ...options.args], {
      cols: options.cols,
      rows: options.rows,
      env: options.env,
      ...(options.cwd === '' ? {} : { workdir: options.cwd }),
    });
    // The exec'd program's host pid means something only when the engine runs on this host.
    const pid = endpoint.startsWith('unix:') ? await session.pid() : undefined;
    const startTime = pid === undefined ? undefined : readStartTime(pid);
    const handle: DockerHandle = {
      backend: 'docker',
      container,
      endpoint,
      throwaway,
      ...(pid !== undefined && startTime !== undefined ? { pid, pgid: pid, startTime } : {}),
    };
    return new DockerTerminal(docker, handle, session);
  } catch (err: unknown) {
    if (throwaway) await removeContainer(docker, container).catch(() => undefined);
    throw dockerError(err, endpoint, `starting a shell in container ${container.slice(0, 12)}`);
  }
}

/** A container actor's container (by its troupe labels), else Docker's own name or id. */
async function resolveContainer(docker: Docker, name: string, dbKey: string, shellId: string): Promise<string> {
  const filters = JSON.stringify({ label: [`${LABEL_DB}=${dbLabel(dbKey)}`, `${LABEL_ACTOR}=${name}`], status: ['running'] });
  const mine = await docker.listContainers({ filters });
  if (mine[0]) return mine[0].Id;
  try {
    const info = await docker.getContainer(name).inspect();
    if (info.State.Running) return info.Id;
  } catch {
    // Not a container name either: said below.
  }
  throw new TroupeError('SPAWN_FAILED', `Shell '${shellId}' has no container '${name}' to run in: no running container actor of that id, nor a running Docker container of that name. Spawn the container first, or give image: for a throwaway one.`, {
    details: { id: shellId, container: name },
  });
}

class DockerTerminal implements Terminal {
  private readonly dataListeners = new Set<(data: string) => void>();
  private readonly disposers = new Set<() => void>();
  /** Drops the go line's echo. */
  private readonly echo = new EchoSkip(GO_ECHO);
  private started = false;
  private exit: TerminalExit | undefined;
  private readonly exited: Promise<TerminalExit>;
  private closing: Promise<void> | undefined;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly docker: Docker,
    readonly handle: DockerHandle,
    private readonly session: ExecTty,
  ) {
    const onData = (chunk: Buffer) => this.dispatch(this.decoder.decode(chunk, { stream: true }));
    session.stream.on('data', onData);
    this.disposers.add(() => session.stream.off('data', onData));
    this.exited = new Promise((resolve) => {
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        void session.exitCode().then(
          (exitCode) => resolve((this.exit = { exitCode, signal: null })),
          () => resolve((this.exit = { exitCode: null, signal: null })),
        );
      };
      session.stream.once('end', end);
      session.stream.once('close', end);
      session.stream.once('error', end);
    });
  }

  go(): void {
    if (this.started || this.exit !== undefined) return;
    this.started = true;
    this.session.stream.write('\n');
  }

  write(data: string): void {
    if (this.exit === undefined) this.session.stream.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exit === undefined) void this.session.resize(cols, rows).catch(() => undefined);
  }

  onData(listener: (data: string) => void): () => void {
    this.dataListeners.add(listener);
    return this.keep(() => this.dataListeners.delete(listener));
  }

  onExit(listener: (exit: TerminalExit) => void): () => void {
    let active = true;
    void this.exited.then((exit) => active && listener(exit));
    return this.keep(() => {
      active = false;
    });
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      const { handle } = this;
      if (handle.throwaway) await removeContainer(this.docker, handle.container).catch(() => undefined);
      else if (handle.pid !== undefined && handle.startTime !== undefined) await stopSession({ pid: handle.pid, startTime: handle.startTime }, graceMs);
      // A remote engine's program is out of our reach: ending its input is what a closed terminal does.
      else this.session.stream.end();
      const late = new AbortController();
      await Promise.race([this.exited, sleep(EXIT_WAIT_MS, undefined, { signal: late.signal }).catch(() => undefined)]);
      late.abort();
      this.session.stream.destroy();
    })();
    return this.closing;
  }

  detach(): void {
    for (const dispose of this.disposers) dispose();
    this.disposers.clear();
    this.session.stream.destroy();
  }

  /** Passes output on, without the echo of the go line. */
  private dispatch(data: string): void {
    const text = this.echo.strip(data);
    if (text.length === 0) return;
    for (const listener of this.dataListeners) listener(text);
  }

  private keep(dispose: () => void): () => void {
    const once = () => {
      if (this.disposers.delete(once)) dispose();
    };
    this.disposers.add(once);
    return once;
  }
}
