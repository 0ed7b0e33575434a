/**
 * The shared vocabulary of workflows: what the loader/compiler produces (`CompiledWorkflow`)
 * and what the engine reports (`RunView`, `RunResult`). Plain JSON throughout, so a run's
 * snapshot can be persisted and restored as is.
 */

import type { ShellDialogRound } from '../machines/shell.js';
import type { CompiledWaitFor } from '../runtime/spec.js';

/** A compiled readiness check: the process and shell kinds' own type. */
export type StepWaitFor = CompiledWaitFor;

/**
 * One round of a step's interactive dialog: the shell kind's own round (wait for `expect`,
 * then type `send` and Enter). A literal `match` from the spec is compiled to an escaped regex.
 */
export type StepDialogRound = ShellDialogRound;

export type StepCondition = 'success' | 'failure' | 'always';
export type StepMode = 'exec' | 'pty' | 'tmux' | 'docker';

/** A step after validation and defaults. Templates (`${...}`) are still unresolved. */
export interface CompiledStep {
  name: string;
  command: string;
  /** Absolute (relative paths were resolved against the workflow file's directory). */
  cwd: string;
  /** Step env over workflow env; values may hold templates. */
  env: Record<string, string>;
  dependsOn: string[];
  condition: StepCondition;
  service: boolean;
  waitFor?: StepWaitFor;
  timeoutMs?: number;
  retry: { attempts: number; delayMs: number; factor: number; maxDelayMs: number };
  continueOnError: boolean;
  approval: boolean;
  mode: StepMode;
  /** With `mode: auto`: what automatic mode chose and why ("auto: rule 'ssh asks for passwords'"). */
  modeReason?: string;
  expect: StepDialogRound[];
  /** Output name -> regex source whose first capture group is the value. */
  outputs: Record<string, string>;
  /** `mode: docker`: the image the command runs in (a container actor, the step's cwd mounted at the same path). */
  image?: string;
  /** A `kind:` step: the registered kind it runs as (`command` and `mode` are then unused). */
  kind?: string;
  /** A `kind:` step's spec fields, as written (templates still unresolved). */
  with?: Record<string, unknown>;
  /** A prompt step: the task given to an agent (templates still unresolved). */
  prompt?: string;
  /** A prompt step addressed to this declared agent. */
  agent?: string;
  /** A routed prompt step: the capabilities its agent must have (empty: any primary or worker agent). */
  requires?: string[];
}

/** An agent a workflow declares: what routing knows of it, and the agent spec its tasks run with. */
export interface CompiledAgent {
  id: string;
  type: 'primary' | 'worker' | 'specialist';
  capabilities: string[];
  /** Agent spec fields (driver, bin, model, safety, ...), as written; `cwd` made absolute. */
  spec: Record<string, unknown>;
}

/** A validated workflow, steps in a topological order (dependencies first). */
export interface CompiledWorkflow {
  name: string;
  /** Where it was loaded from, for messages (`undefined` for `defineWorkflow`). */
  file?: string;
  steps: CompiledStep[];
  /** The declared agents, in declaration order (absent without `agents:`). */
  agents?: CompiledAgent[];
}

/**
 * A step's lifecycle. `waiting`: dependencies not settled yet; `approval`: waiting for
 * `troupe approve`; `ready`: a service that passed its readiness check (counts as done).
 */
export type StepState =
  | 'waiting'
  | 'approval'
  | 'running'
  | 'ready'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface StepView {
  name: string;
  state: StepState;
  /** Runs started so far (1 for a step that ran once; retries and re-runs after a crash count). */
  attempts: number;
  /** From the first start to the settled result, or until now. */
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  exitCode?: number | null;
  outputs: Record<string, string>;
  /** Why it failed, was skipped or cancelled. */
  error?: string;
  /** Runs the step may have in all (its `retry.attempts`; 1 = no retry). */
  maxAttempts?: number;
  /** While `retrying`: when the next attempt is due (epoch ms). */
  retryAt?: number;
  /** Not run in this run: its result was carried over from this earlier run (`troupe rerun --failed`). */
  carriedFrom?: string;
  /** A prompt step: the agent of its current (or last) attempt. */
  agent?: string;
  /** A prompt step that could start but has no free agent: why it waits. */
  waitingFor?: string;
}

/** What `orc.run()` resolves to, and what watchers of a run see. */
export interface RunView {
  id: string;
  workflow: string;
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  steps: StepView[];
}

export type RunResult = RunView;
