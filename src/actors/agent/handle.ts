/**
 * The handle of an agent session: its live info (from the machine's context), prompts,
 * interrupts, decisions on tool uses waiting for approval, and its transcript.
 */
import type { AgentContext, AgentWorktree } from '../../machines/agent-context.js';
import { pauseWorktree, removeWorktree, resumeWorktree, syncWorktree, type RemoveResult, type SyncResult, type WorktreeInfo } from './worktree.js';
import type { AgentError, AgentUsage } from '../../machines/agent-events.js';
import type { ActorRecord } from '../../runtime/actor-record.js';
import { TroupeError } from '../../runtime/errors.js';
import { ActorHandle, type HandleHost } from '../../runtime/handle.js';
import type { KindServices } from '../../runtime/kind.js';
import type { AgentLive, TranscriptEntry } from './live.js';
import { notePrompt } from './task-record.js';
import type { AgentSpec } from './spec.js';

/** What `info()` tells about a session. */
export interface AgentInfo {
  state: string;
  driver: string;
  mode: string;
  sessionId: string | null;
  model: string | null;
  turns: number;
  costUsd: number;
  usage: AgentUsage;
  messages: number;
  lastMessage: string | null;
  lastActivity: number | null;
  tools: Record<string, number>;
  errors: AgentError[];
  /** Tool uses waiting for a decision. */
  approvals: { toolUseId: string; tool: string; input: string; at: number }[];
  /** When a usage-limited session is continued. */
  retryAt: number | null;
  /** True when the status is read from the screen (interactive mode). */
  inferred: boolean;
  result: string | null;
  /** The session's worktree: where it is, and (as of its last turn) how it stands against its base. */
  worktree?: { path: string; branch: string; base: string; ahead: number | null; behind: number | null; dirty: boolean | null };
}

/** The longest prompt accepted (a CLI's argument or stdin line). */
const PROMPT_MAX = 100_000;

/**
 * A live handle on an agent session, from `orc.spawn({ kind: 'agent', ... })`, `orc.get(id)`
 * or `orc.agent(id)`.
 *
 * @example
 * const h = orc.agent('fixer');
 * await h.prompt('Focus on the JWT expiry check');
 * h.info().tools // { Read: 3, Bash: 1 }
 */
export class AgentHandle extends ActorHandle {
  constructor(
    orc: HandleHost,
    record: ActorRecord,
    private readonly live: AgentLive,
    private readonly services: KindServices,
  ) {
    super(orc, record);
  }

  /**
   * The session as it is now.
   *
   * @example orc.agent('fixer').info().state // 'working'
   */
  info(): AgentInfo {
    const c = (this.context ?? {}) as Partial<AgentContext>;
    return {
      state: this.state,
      driver: c.driver ?? 'claude',
      mode: c.mode ?? 'autonomous',
      sessionId: c.sessionId ?? null,
      model: c.model ?? null,
      turns: c.turns ?? 0,
      costUsd: c.costUsd ?? 0,
      usage: c.usage ?? {},
      messages: c.messages ?? 0,
      lastMessage: c.lastMessage ?? null,
      lastActivity: c.lastActivity ?? null,
      tools: c.tools ?? {},
      errors: c.errors ?? [],
      approvals: c.approvals ?? [],
      retryAt: c.retryAt ?? null,
      inferred: c.inferred ?? false,
      result: c.result ?? null,
      ...(c.worktreeInfo ? { worktree: this.worktreeView(c.worktreeInfo) } : {}),
    };
  }

  /**
   * Rebases the session's branch onto its base. A conflict aborts the rebase, leaves the
   * worktree as it was, publishes `agent.sync_conflict` with the files, and resolves
   * `{ ok: false, conflict }`. WORKTREE_NOT_FOUND for a session without a worktree.
   *
   * @example const r = await h.sync(); if (!r.ok) console.log(r.conflict)
   */
  async sync(): Promise<SyncResult> {
    const info = this.requireWorktree('sync');
    const result = await syncWorktree(info);
    if (!result.ok) this.services.emit(this.id, 'agent.sync_conflict', { branch: info.branch, base: info.base, files: result.conflict });
    else this.services.emit(this.id, 'agent.synced', { branch: info.branch, base: info.base, rebased: result.rebased });
    await this.live.worktrees.refresh(this.id, info);
    return result;
  }

  /**
   * Pauses the session's worktree: interrupts a run in flight, commits work in progress and
   * removes the worktree, keeping the branch. `resume()` adds it back.
   *
   * @example await h.pause(); ... await h.resume();
   */
  async pause(): Promise<void> {
    const info = this.requireWorktree('pause');
    if (this.status === 'active' && (this.context as Partial<AgentContext>).runAlive) {
      this.send({ type: 'agent.interrupt' });
      await this.waitFor((s) => s.context?.['runAlive'] !== true || s.status !== 'active', { timeout: 30_000 });
    }
    await pauseWorktree(info);
    this.services.emit(this.id, 'agent.paused', { path: info.path, branch: info.branch });
  }

  /**
   * Adds a paused session's worktree back (its work in progress restored) and, when the
   * session is live, continues it with its continue prompt.
   *
   * @example await h.resume()
   */
  async resume(): Promise<void> {
    const info = this.requireWorktree('resume');
    await resumeWorktree(info);
    this.services.emit(this.id, 'agent.resumed_worktree', { path: info.path, branch: info.branch });
    if (this.status === 'active') await this.prompt((this.context as Partial<AgentContext>).continuePrompt ?? 'continue');
  }

  /**
   * Removes the session's worktree, and its branch unless the branch has commits its base
   * has not merged (then `branchKept` and `reason` say so).
   *
   * @example const { branchKept, reason } = await h.removeWorktree()
   */
  async removeWorktree(): Promise<RemoveResult> {
    const info = this.requireWorktree('remove');
    const result = await removeWorktree(info);
    this.services.emit(this.id, 'agent.worktree_removed', { path: info.path, branch: info.branch, ...result });
    return result;
  }

  private worktreeView(info: AgentWorktree): NonNullable<AgentInfo['worktree']> {
    const status = this.live.worktrees.get(this.id);
    return { path: info.path, branch: info.branch, base: info.base, ahead: status?.ahead ?? null, behind: status?.behind ?? null, dirty: status?.dirty ?? null };
  }

  private requireWorktree(what: string): WorktreeInfo {
    const info = (this.context as Partial<AgentContext> | undefined)?.worktreeInfo;
    if (!info) throw new TroupeError('WORKTREE_NOT_FOUND', `Agent '${this.id}' has no worktree to ${what}. Spawn it with worktree: { branch: 'agent/${this.id}' }.`, { details: { id: this.id } });
    return info;
  }

  /**
   * Sends a prompt: mid-session when the driver takes streamed input (claude), else as a
   * continuation of the session once the current run ends. Throws AGENT_NOT_RUNNING for an
   * ended session, INVALID_ARGUMENT for an empty one.
   *
   * @example await h.prompt('Now run the whole test suite')
   */
  async prompt(text: string): Promise<void> {
    if (typeof text !== 'string' || text.trim() === '' || text.length > PROMPT_MAX) {
      throw new TroupeError('INVALID_ARGUMENT', `prompt(${JSON.stringify(String(text).slice(0, 40))}) needs a non-empty text of at most ${String(PROMPT_MAX)} characters.`, { details: { id: this.id } });
    }
    this.assertRunning('take a prompt');
    this.services.emit(this.id, 'agent.prompt', { text: text.length > 2000 ? `${text.slice(0, 2000)}…` : text });
    notePrompt((this.context as Partial<AgentContext>).taskFile, this.id, text, (type, data) => this.services.emit(this.id, type, data));
    this.send({ type: 'agent.prompt', text });
    await Promise.resolve();
  }

  /**
   * Interrupts the turn in flight (SIGINT to the CLI; Escape in a TUI): the session goes idle and takes another prompt.
   *
   * @example await h.interrupt()
   */
  async interrupt(): Promise<void> {
    this.assertRunning('be interrupted');
    this.send({ type: 'agent.interrupt' });
    await Promise.resolve();
  }

  /**
   * Lets a tool use waiting for approval go ahead. Throws APPROVAL_NOT_FOUND when none waits by that id.
   *
   * @example h.approve('toolu_01ABC')
   */
  approve(toolUseId: string): void {
    this.decide(toolUseId, true);
  }

  /**
   * Refuses a tool use waiting for approval; `why` is what the agent is told.
   *
   * @example h.deny('toolu_01ABC', 'Do not delete the fixtures')
   */
  deny(toolUseId: string, why?: string): void {
    this.decide(toolUseId, false, why);
  }

  /**
   * The normalized events of the session (kept in memory, the last 5000; `orc.events({ actor, type: 'agent.*' })` has them all).
   *
   * @example h.transcript({ since: Date.now() - 60_000 }).map((e) => e.event.type)
   */
  transcript(options: { since?: number } = {}): TranscriptEntry[] {
    return this.live.transcript(this.id, options.since);
  }

  private decide(toolUseId: string, allow: boolean, why?: string): void {
    if (!this.live.decide(this.id, toolUseId, allow, why)) {
      const waiting = this.live.pending(this.id);
      throw new TroupeError(
        'APPROVAL_NOT_FOUND',
        `Agent '${this.id}' has no tool use '${toolUseId}' waiting for approval. ${waiting.length > 0 ? `Waiting: ${waiting.join(', ')}.` : 'None waits now.'}`,
        { details: { id: this.id, toolUseId, waiting } },
      );
    }
  }

  private assertRunning(what: string): void {
    if (this.status !== 'active') {
      throw new TroupeError('AGENT_NOT_RUNNING', `Agent '${this.id}' cannot ${what}: it is '${this.state}'. Start a new session (troupe agent start), or continue this one by its session id.`, { details: { id: this.id, state: this.state } });
    }
  }
}

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    agent: { spec: AgentSpec; handle: AgentHandle };
  }
}
