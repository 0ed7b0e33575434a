/**
 * The types of a container actor: its compiled spec (`ContainerInput`), what identifies the
 * container once created (`ContainerHandle`), its context, events and output. Kept apart from
 * the machine so the adapters in `src/actors/container/` read them without the machine's rules.
 */
import type { ErrorCode } from '../runtime/errors.js';
import type { CompiledWaitFor } from '../runtime/spec.js';

/**
 * What identifies the container for good: kept in the persisted snapshot and recorded as the
 * actor's resource before it starts, so a restored actor re-attaches to the same one.
 *
 * @example { containerId: '4f1c…', name: 'troupe-3f9a1c2e-db', endpoint: 'unix:///var/run/docker.sock' }
 */
export interface ContainerHandle {
  /** The container's id, or the Swarm service's id with `placement: 'swarm'`. */
  containerId: string;
  name: string;
  /** The Docker endpoint it runs on (never holds credentials: a `ssh://user@host` at most). */
  endpoint: string;
  placement: ContainerPlacement;
}

export type ContainerPlacement = 'local' | 'swarm';

/** A mount, compiled: the source is an absolute host path checked against `allowedDirs`. */
export interface ContainerMount {
  source: string;
  target: string;
  readonly: boolean;
}

/** A published port: `hostPort` on `hostIp` forwards to `containerPort`/`protocol`. */
export interface ContainerPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** Readiness for a container: the process forms, or a command run inside it by `docker exec` exiting 0. */
export type ContainerWaitFor = CompiledWaitFor | { readonly type: 'exec'; readonly command: readonly string[] };

/**
 * The compiled spec: plain JSON, durations in milliseconds, sizes in bytes.
 *
 * @example
 * const input: ContainerInput = { id: 'db', image: 'app/busybox:1', pull: 'missing', env: {}, mounts: [], ports: [],
 *   graceMs: 10000, keep: false, placement: 'local', docker: {} }
 */
export interface ContainerInput {
  id: string;
  /** The image to run; with `build`, the tag the build gets. */
  image: string;
  build?: { context: string; dockerfile: string };
  pull: 'missing' | 'always' | 'never';
  /** Argv, as Docker's Cmd (a string in the spec becomes `['sh', '-c', string]`). */
  command?: string[];
  env: Record<string, string>;
  workdir?: string;
  user?: string;
  mounts: ContainerMount[];
  ports: ContainerPort[];
  network?: string;
  memoryBytes?: number;
  nanoCpus?: number;
  pids?: number;
  waitFor?: ContainerWaitFor;
  timeoutMs?: number;
  graceMs: number;
  keep: boolean;
  placement: ContainerPlacement;
  /** A swarm service's port publishing, as the spec's `publish` said it (needed with ports on a swarm). */
  publishMode?: 'ingress' | 'host';
  /** The Docker endpoint: `unix://`, `tcp://` or `ssh://`; else DOCKER_HOST, else the default socket. */
  docker: { host?: string };
  logMaxBytes?: number;
  /** Tell the parent machine once ready (workflow services), as processes do. */
  notifyParent?: boolean;
  /**
   * Resolve `${env.NAME}` in the command and env values when the container is created, from
   * these values over the orchestrator's environment (workflow steps). Never stored resolved.
   */
  expandEnv?: Record<string, string>;
}

/** Input of the `run` actor: the machine's input, plus the handle once it has one. */
export type ContainerRunInput = ContainerInput & { handle?: ContainerHandle };

/** Why the container ended: its own exit, or what troupe saw. */
export type ContainerReason = 'exit' | 'stopped' | 'oom' | 'timeout' | 'build_failed' | 'image_not_found' | 'docker_unavailable' | 'port_in_use' | 'create_failed' | 'lost';

export interface ContainerError {
  code: ErrorCode;
  message: string;
}

/** Lifecycle states; the last four are final. */
export type ContainerState = 'pending' | 'building' | 'creating' | 'starting' | 'running' | 'ready' | 'stopping' | ContainerOutcome;
export type ContainerOutcome = 'exited' | 'failed' | 'cancelled' | 'lost';

export interface ContainerContext extends ContainerInput {
  handle?: ContainerHandle;
  exitCode?: number | null;
  reason?: ContainerReason;
  error?: ContainerError;
}

/**
 * The machine's output once done.
 *
 * @example { state: 'failed', exitCode: 137, signal: null, reason: 'oom', error: { code: 'CONTAINER_OOM', message: '...' } }
 */
export interface ContainerOutput {
  state: ContainerOutcome;
  exitCode: number | null;
  signal: null;
  reason: ContainerReason;
  error: ContainerError | null;
  containerId: string | null;
}

/**
 * Events the machine handles: progress from the `run` actor, and `container.stop` from outside.
 *
 * @example actor.send({ type: 'container.stop' })
 */
export type ContainerEvent =
  | { type: 'container.building' }
  | { type: 'container.creating' }
  | { type: 'container.created'; handle: ContainerHandle }
  | { type: 'container.started' }
  | { type: 'container.ready' }
  | { type: 'container.exited'; exitCode: number | null; oom: boolean }
  | { type: 'container.error'; code: ErrorCode; message: string; reason: ContainerReason }
  | { type: 'container.lost'; message: string }
  | { type: 'container.stop' }
  | { type: 'container.timeout' }
  | { type: 'xstate.error.actor.run'; error: unknown };

/** Sent by the machine to the `run` actor: stop the container (Docker's stop with the grace, then kill), then report its exit. */
export interface ContainerKillEvent {
  type: 'container.kill';
}
