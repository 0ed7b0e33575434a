/**
 * The composition list of built-in kinds: `createOrchestrator` registers these, in this
 * order (a workflow's steps are of the kinds before it, so restoring a run finds them).
 * A new built-in kind is its machine in `src/machines/`, its folder in `src/actors/`, and
 * one line here.
 */
import { agentKind } from './actors/agent/kind.js';
import { processKind } from './actors/process/kind.js';
import { scheduleKind } from './actors/schedule/kind.js';
import { queueKind } from './actors/queue/kind.js';
import { shellKind } from './actors/shell/kind.js';
import { workflowKind } from './actors/workflow/kind.js';
import { containerKind } from './actors/container/kind.js';
import { teamKind } from './actors/team/kind.js';
import type { KindDefinition } from './runtime/kind.js';

/** @example createOrchestrator() registers each of these before users' kinds. */
export const builtinKinds: readonly KindDefinition[] = [processKind, shellKind, containerKind, agentKind, workflowKind, scheduleKind, queueKind, teamKind];
