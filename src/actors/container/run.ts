/**
 * The I/O behind the `container` machine: the image (found, pulled or built), the container
 * created with troupe's labels and recorded as the actor's resource before it starts, its
 * output followed into the actor's log, readiness, its exit (code, OOM), and its stop and
 * removal. Restored after a crash (XState runs callback actors again), a runner whose input
 * holds a handle re-attaches to that container instead of creating another. Making the
 * container and probing its readiness are in create.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fromCallback } from 'xstate';
import type { ContainerEvent, ContainerHandle, ContainerKillEvent, ContainerRunInput } from '../../machines/container.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import type { OutputSink } from '../output/output.js';
import { createOutputMatcher } from '../readiness/readiness.js';
import { dbLabel, dockerClient, dockerEndpoint, dockerError } from './client.js';
import { createContainer, probeReady } from './create.js';
import { driverFor, type ContainerDriver } from './driver.js';
import { expandEnv } from './expand-env.js';
import { reasonOf, track } from './stops.js';
import { followLogStream, readLogMark, removeLogMark, sinceSeconds, type LogFollower } from './logs.js';

/**
 * What the container runner needs from the orchestrator.
 *
 * @example const logic = containerMachine.provide({ actors: { run: createRunContainer(services) } })
 */
export interface ContainerServices {
  /** Synchronously records the handle before the container starts. */
  recordHandle(actorId: string, handle: ContainerHandle): void;
  releaseHandle(actorId: string): void;
  /** True (once) when reconcile found this restored actor's container gone. */
  takeOrphan(actorId: string): boolean;
  openOutput(actorId: string, options?: { maxFileBytes?: number }): OutputSink;
  readonly logsDir: string;
  readonly dbKey: string;
  /** Live runs' containers, by actor id: what `sweep` must leave alone. */
  readonly live: Map<string, string>;
}

/** After the container stopped, how long its last output may take to arrive. */
const DRAIN_MS = 2_000;

/**
 * The `run` actor of the container machine.
 *
 * @example const logic = containerMachine.provide({ actors: { run: createRunContainer(services) } })
 */
export function createRunContainer(services: ContainerServices) {
  return fromCallback<ContainerKillEvent, ContainerRunInput>(({ input, sendBack, receive }) => {
    if (services.takeOrphan(input.id)) {
      sendBack({ type: 'container.lost', message: `Container of '${input.id}' was lost: it was gone when the orchestrator came back after a crash. The restart policy decides whether it runs again.` } satisfies ContainerEvent);
      return undefined;
    }
    const run = new ContainerRun(input, services, (event) => sendBack(event));
    receive((event) => {
      if (event.type === 'container.kill') run.kill();
    });
    void run.start();
    return () => run.dispose();
  });
}

/** One run of the runner: from the image to the container's removal. */
class ContainerRun {
  private readonly endpoint: string;
  private readonly driver: ContainerDriver;
  private readonly sink: OutputSink;
  private readonly probes = new AbortController();
  /** Ends our waits and the log stream, leaving the container as it is. */
  private readonly detach = new AbortController();
  private follower: LogFollower | undefined;
  private handle: ContainerHandle | undefined;
  private killing = false;
  private disposed = false;
  private ended = false;
  private readySent = false;
  private finishing: Promise<void> | undefined;
  /** Why `${env.NAME}` could not be resolved, if it could not. */
  private invalid: unknown;

  constructor(
    private readonly input: ContainerRunInput,
    private readonly services: ContainerServices,
    private readonly sendBack: (event: ContainerEvent) => void,
  ) {
    this.endpoint = dockerEndpoint(input.docker.host);
    let resolved: ContainerRunInput = input;
    try {
      resolved = expandEnv(input);
    } catch (err: unknown) {
      this.invalid = err;
    }
    // The driver gets the resolved copy; the input (persisted) keeps the templates.
    this.driver = driverFor(dockerClient(this.endpoint), this.endpoint, resolved, this.detach.signal);
    this.sink = services.openOutput(input.id, input.logMaxBytes === undefined ? {} : { maxFileBytes: input.logMaxBytes });
    if (input.handle) {
      this.handle = input.handle;
      this.driver.adopt(input.handle);
      services.live.set(input.id, input.handle.containerId);
    }
  }

  private report(event: ContainerEvent): void {
    if (!this.disposed) this.sendBack(event);
  }

  async start(): Promise<void> {
    if (this.handle) return this.reattach();
    if (this.invalid !== undefined) return this.fail(this.invalid);
    try {
      const handle = await this.create();
      if (handle === undefined) return this.endWithoutContainer();
      this.handle = handle;
      this.services.live.set(this.input.id, handle.containerId);
      try {
        // Before it starts: a crash from here on leaves enough to re-attach or remove it.
        this.services.recordHandle(this.input.id, handle);
      } catch (err: unknown) {
        await this.driver.remove().catch(() => undefined);
        throw new TroupeError('SPAWN_FAILED', `Container '${this.input.id}' was not started: its handle could not be recorded: ${describeError(err)}`, { cause: err });
      }
      // Kept in the runner's own input, hence in its persisted snapshot: a restored runner sees it.
      this.input.handle = handle;
      this.report({ type: 'container.created', handle });
      if (this.killing || this.disposed) return void this.finish({ exitCode: null, oom: false });
      await this.driver.start();
    } catch (err: unknown) {
      return this.fail(err);
    }
    this.report({ type: 'container.started' });
    await this.follow(undefined);
  }

  /** Creates the container (and its image when needed); undefined when stopped meanwhile. */
  private create(): Promise<ContainerHandle | undefined> {
    const labels = { db: dbLabel(this.services.dbKey), actor: this.input.id, owner: String(process.pid), keep: this.input.keep };
    return createContainer(this.driver, this.input, this.endpoint, labels, {
      report: (event) => this.report(event),
      stopped: () => this.killing || this.disposed,
    });
  }

  /** A restored actor takes its container back: logs from where they stopped, exit awaited. */
  private async reattach(): Promise<void> {
    let state: { running: boolean; created: boolean } | undefined;
    try {
      state = await this.driver.state();
    } catch (err: unknown) {
      return this.fail(err);
    }
    if (state === undefined) {
      this.release();
      this.sink.close();
      this.report({ type: 'container.lost', message: `Container ${this.handle?.containerId.slice(0, 12) ?? ''} of '${this.input.id}' is gone: it was removed while no orchestrator was attached. The restart policy decides whether it runs again.` });
      return;
    }
    // Recorded, then the owner died before starting it: it is ours, start it now.
    if (state.created) {
      try {
        await this.driver.start();
      } catch (err: unknown) {
        return this.fail(err);
      }
    }
    this.report({ type: 'container.started' });
    await this.follow(readLogMark(this.services.logsDir, this.input.id));
  }

  private async follow(mark: string | undefined): Promise<void> {
    try {
      const stream = await this.driver.logs(sinceSeconds(mark));
      if (this.ended) return void stream.destroy();
      const matcher = this.input.waitFor?.type === 'output' ? createOutputMatcher(this.input.waitFor.pattern, this.input.waitFor.flags) : undefined;
      this.follower = followLogStream(stream, {
        logsDir: this.services.logsDir,
        actorId: this.input.id,
        mark,
        tty: false,
        log: this.sink,
        write: (chunk) => {
          this.sink.write(chunk);
          if (matcher && !matcher.matched && matcher.push(chunk)) this.markReady();
        },
      });
    } catch (err: unknown) {
      // No logs is no reason to lose the container: it is still awaited and stopped.
      this.sink.write(Buffer.from(`[troupe] could not follow the container's logs: ${describeError(err)}\n`));
    }
    this.probe();
    let exit: { exitCode: number | null; oom: boolean };
    try {
      exit = await this.driver.wait();
    } catch (err: unknown) {
      if (this.ended) return;
      return this.fail(err);
    }
    await this.finish(exit);
  }

  private probe(): void {
    void probeReady(this.driver, this.input, this.probes.signal).then((ok) => ok && this.markReady());
  }

  private markReady(): void {
    if (this.readySent || this.ended) return;
    this.readySent = true;
    this.report({ type: 'container.ready' });
  }

  /** The machine asked to stop: Docker's stop with the grace; the wait then reports the exit. */
  kill(): void {
    if (this.killing) return;
    this.killing = true;
    if (this.handle) void track(this.driver.stop(this.input.graceMs).catch(() => this.driver.remove()));
  }

  /** The actor is being stopped (close, removal): stop and remove, or leave a kept one running. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.probes.abort();
    if (this.ended) return;
    if (this.input.keep && !this.killing) {
      // Still ours: the next open re-attaches to it.
      this.ended = true;
      this.detach.abort();
      this.follower?.stop();
      this.sink.close();
      this.services.live.delete(this.input.id);
      return;
    }
    if (this.handle) void track(this.driver.stop(this.input.graceMs).then(() => this.finish({ exitCode: null, oom: false })));
  }

  /** Stopped before it was created: nothing to remove. */
  private endWithoutContainer(): void {
    this.ended = true;
    this.sink.close();
    this.report({ type: 'container.exited', exitCode: null, oom: false });
  }

  /** The container stopped: read the rest of its output, remove it (unless kept), report. */
  private finish(exit: { exitCode: number | null; oom: boolean }): Promise<void> {
    this.finishing ??= track(
      (async () => {
        this.ended = true;
        this.probes.abort();
        if (this.follower) {
          await Promise.race([this.follower.ended, sleep(DRAIN_MS)]);
          this.follower.stop();
        }
        if (!this.input.keep || this.killing) await this.driver.remove().catch(() => undefined);
        this.services.live.delete(this.input.id);
        this.release();
        removeLogMark(this.services.logsDir, this.input.id);
        this.sink.close();
        this.report({ type: 'container.exited', exitCode: exit.exitCode, oom: exit.oom });
      })(),
    );
    return this.finishing;
  }

  private fail(err: unknown): void {
    const error = err instanceof TroupeError ? err : dockerError(err, this.endpoint, `running container '${this.input.id}'`);
    this.ended = true;
    this.probes.abort();
    this.follower?.stop();
    if (this.handle) void track(this.driver.remove().catch(() => undefined).then(() => this.release()));
    this.services.live.delete(this.input.id);
    this.sink.close();
    this.report({ type: 'container.error', code: error.code, message: error.message, reason: reasonOf(error.code) });
  }

  private release(): void {
    try {
      this.services.releaseHandle(this.input.id);
    } catch {
      // The database may be closed already; the next open's reconcile finds the container gone.
    }
  }
}
