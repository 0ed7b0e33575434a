/**
 * troupe: processes, shells, containers, agents and workflows as supervised, persisted
 * XState v5 actors under one root orchestrator.
 *
 * @example
 * import { createOrchestrator } from 'troupe';
 *
 * const orc = await createOrchestrator();                    // ./.troupe/state.db
 * await orc.spawn({ kind: 'process', id: 'web', command: 'node server.js',
 *                   wait_for: 'listening on', timeout: '30s',
 *                   restart: { policy: 'transient', max_restarts: 3, within: '1m' } });
 * await orc.waitFor('web', 'ready', { timeout: 5000 });
 * orc.register('counter', counterMachine);                     // your own machines
 * await orc.spawn({ kind: 'counter', id: 'c1', input: { start: 0 } });
 * orc.send('c1', { type: 'inc' });
 * console.table(orc.list());
 * orc.events({ type: 'actor.*', actor: 'web' });               // the event history, oldest first
 * orc.subscribeEvents({ type: 'actor.ended' }, (e) => console.log(e.actor, e.data));
 * await orc.close();                                           // no process of ours is left
 *
 * // From another process, while it runs (or after): read, and post to its inbox.
 * const reader = openReader('.troupe/state.db');
 * reader.actors({ kind: 'process' });                          // [{ id: 'web', state: 'running', pid: 4242, ... }]
 * reader.events({ since: new Date(Date.now() - 600_000) });    // the last ten minutes' events
 * reader.close();
 * postToInbox('.troupe/state.db', 'c1', { type: 'inc' });
 */
export { createOrchestrator, type OrchestratorOptions } from './runtime/create.js';
export type { Orchestrator, ActorInfo, RemovalReport } from './runtime/orchestrator.js';
export type { ActorHandle, WaitCondition, SnapshotView } from './runtime/handle.js';
export type { AnyEvent } from './runtime/router.js';
export { TroupeError, RequestTimeoutError, WaitTimeoutError, type ErrorCode } from './runtime/errors.js';
export { parseDuration, type Duration } from './runtime/duration.js';
export { parseSize, type Size } from './runtime/size.js';
export type { MachineSpec, RestartSpec } from './runtime/spec.js';
export type { ProcessSpec } from './actors/process/spec.js';
export {
  defineKind,
  type ActorSpec,
  type HandleOf,
  type TroupeKinds,
  type KindDefinition,
  type KindServices,
  type CompileContext,
  type HandleContext,
  type KindApiContext,
  type ResourceRow,
  type ReconcileContext,
  type ReconcileDecision,
  type CloseMode,
  type RemovedActor,
  type RemoveContext,
  type RemovalNote,
} from './runtime/kind.js';
export type { RemoveOptions } from './runtime/removal.js';
export type { ActorStatus } from './runtime/store.js';
export type { Clock } from './runtime/clock.js';
export type { ProcessState } from './machines/process.js';
export type { ShellState } from './machines/shell.js';
export type { ShellHandle, ShellRunResult } from './actors/shell/handle.js';
export type { ShellSpec } from './actors/shell/spec.js';
export type { DialogRound } from './actors/shell/session.js';
export type { ContainerSpec } from './actors/container/spec.js';
export type { ContainerState, ContainerOutput } from './machines/container.js';
export { execInContainer, type ExecOptions } from './actors/container/exec.js';
export { EOF, TIMEOUT, ExpectTimeoutError, ExpectEOFError, type ExpectMatch, type ExpectOptions, type ExpectPattern } from './actors/expect/expect.js';
export { DEFAULT_DB } from './runtime/host.js';
export { defineWorkflow } from './workflow/define.js';
export { loadWorkflowFile, parseWorkflowYaml } from './workflow/load.js';
export { compileWorkflow, type CompileOptions } from './workflow/compile.js';
export type { WorkflowSpec, StepSpec } from './workflow/spec.js';
export type { WorkflowProblem } from './workflow/problems.js';
export type { WorkflowAgentSpec } from './workflow/spec.js';
export type { CompiledAgent } from './workflow/types.js';
export { route, type AgentLoad, type Route, type TaskNeeds } from './workflow/routing.js';
export type { CompiledWorkflow, CompiledStep, StepDialogRound, StepWaitFor, StepCondition, StepMode } from './workflow/types.js';
// `RunResult` (what `orc.run()` resolves to) is the same shape as `RunView`.
export type { RunView, StepView, StepState, RunStatus } from './workflow/types.js';
export type { RerunOptions, RunHandle, RunOptions } from './actors/workflow/api.js';
export type { ScheduleSpec } from './actors/schedule/spec.js';
export type { ScheduleHandle, ScheduleInfo } from './actors/schedule/api.js';
export { runViewOf } from './workflow/view.js';
// Queues: `orc.spawn({ kind: 'queue', ... })`, `orc.enqueue`, `orc.queue(id)`.
export type { EnqueueOptions, EnqueueResult, QueueControls, QueueSpec, QueueStatus } from './actors/queue/api.js';
export type { QueueEvent } from './machines/queue.js';
// Git worktrees and task files of agent sessions, and a team's git sync coordinator.
export {
  createWorktree,
  worktreeStatus,
  syncWorktree,
  pauseWorktree,
  resumeWorktree,
  removeWorktree,
  reconcileWorktree,
  releaseWorktree,
  type ReleaseResult,
  isWorktreeInfo,
  DEFAULT_WORKTREE_ROOT,
  type CreateWorktreeOptions,
  type WorktreeInfo,
  type WorktreeStatus,
  type WorktreeState,
  type SyncResult,
  type ResumeOptions,
  type RemoveResult,
} from './actors/agent/worktree.js';
export { recordSession, updateSession, appendPrompt, appendHistory, readSessions, type TaskSession, type TaskSessionPatch } from './actors/agent/task-file.js';
export { installCommitHook, uninstallCommitHook, type CommitHookOptions } from './actors/agent/git-hook.js';
export { gitCommitControl, gitSyncStatusControl, GIT_COMMIT_CONTROL, SYNC_STATUS_CONTROL, type CommitNotice } from './actors/agent/git-sync-control.js';
export {
  GitSyncCoordinator,
  SYNC_CONFLICT_EVENT,
  SYNC_FAILED_EVENT,
  type GitSyncOptions,
  type GitSyncStatus,
  type WorktreeSyncView,
  type SyncConflict,
  type TeamWorktree,
} from './actors/agent/git-sync.js';
export type { GitSyncState, WorktreeSyncStatus } from './machines/git-sync.js';
// Teams from templates, project detection, the per-project lock, fleet metrics.
export { loadTemplate, listTemplates, BUILTIN_TEMPLATES_DIR, MAX_TEMPLATE_DEPTH } from './actors/team/template.js';
export { templateJsonSchema, type TeamTemplate, type TeamRole, type TemplateFile } from './actors/team/template-schema.js';
export { detectProject, type Detection } from './actors/team/detect.js';
export { planTeam, type TeamPlan, type TeamUpOptions, type PlannedMember } from './actors/team/plan.js';
export { withProjectLock } from './actors/team/project-lock.js';
export { computeMetrics, type FleetMetrics, type MetricsFigures, type MetricsOptions } from './actors/team/metrics.js';
export type { TeamInfo, TeamUpResult } from './actors/team/api.js';
export type { TeamSpec } from './actors/team/spec.js';
// Reading a database without owning it (what `troupe ps` and `troupe logs` use), and the one
// write a non-owner makes: a message into the owner's inbox.
export { openReader, RECENT_MS, type Reader, type ActorView, type ActorFilter, type JournalQuery, type InboxStatus, type OwnerView } from './runtime/reader.js';
export type { JournalRow } from './runtime/store.js';
// The event history: the journal as namespaced events (`orc.events`, `reader.events`, `orc.subscribeEvents`).
export type { EventFilter, TroupeEvent, EventListener } from './runtime/events.js';
export { postToInbox } from './runtime/inbox-client.js';
export { sendControl, type ControlOptions } from './runtime/control-client.js';
export { CONTROL_TARGET, type ControlReply, type ControlHandler } from './runtime/control.js';
// Agent sessions (Claude Code, Codex, Gemini CLI): `orc.agent(id)`
export type { AgentSpec } from './actors/agent/spec.js';
export type { AgentMessage, BroadcastFilter, MessageResult } from './actors/agent/messaging.js';
export type { SharedMemory, MemoryAccess, MemoryEntry, MemoryVersion, MemoryListener } from './runtime/memory.js';
export type { AgentHandle, AgentInfo } from './actors/agent/handle.js';
export type { TranscriptEntry } from './actors/agent/live.js';
export type { AgentState, AgentOutput } from './machines/agent.js';
export type { AgentEvent, AgentSeverity, AgentError } from './machines/agent-events.js';

// The operator's surface: one-line orchestration (`orc.do`, `troupe do`), automatic mode,
// the project config file, backups.
export type { DoOptions, DoOutcome } from './actors/workflow/api.js';
export { parseDo, DO_FORMS, type DoPlan, type DoForm, type DoStage, type DoCommand } from './do/parse.js';
export { compileDo, type DoAction } from './do/compile.js';
export { chooseMode, MODE_RULES, type ModeRule, type ModeChoice, type ModeFacts } from './workflow/mode-rules.js';
export { projectConfig, orchestratorOptions, serveAddress, SERVE_PORT, type ProjectConfig, type Setting, type SettingSource, type ConfigInputs } from './config/effective.js';
export { findConfigFile, CONFIG_FILES, type ConfigLocation } from './config/find.js';
export { loadConfigFile, parseConfigYaml, type LoadedConfig } from './config/load.js';
export { configSchema, configJsonSchema, type ConfigFile, type ParsedConfig } from './config/schema.js';
export { backupDatabase, restoreDatabase, pruneBackups, checkBackupFile } from './runtime/backup.js';
export { findBackups, defaultBackupsDir, type BackupInfo } from './runtime/backup-files.js';
