/**
 * What the agent kind keeps in memory per orchestrator: each session's recent transcript
 * (the normalized events, for `h.transcript()`) and the tool uses waiting for a decision
 * (resolved by `h.approve`/`h.deny` or `agent.approve` from another process).
 */
import type { AgentEvent } from '../../machines/agent-events.js';
import type { PermissionDecision } from './permission-tool.js';
import { WorktreeStatuses } from './worktree-session.js';

/** One entry of a transcript. */
export interface TranscriptEntry {
  /** Its position in this session's transcript, from 1. */
  seq: number;
  at: number;
  event: AgentEvent;
}

/** What a tool use left waiting is told when its run ends (nobody decides it any more). */
export const RUN_ENDED = 'The agent run ended before anyone decided this tool use.';

/** How many events a transcript keeps in memory (the journal keeps them all). */
const TRANSCRIPT_MAX = 5000;

/** A tool use waiting for a person. */
interface Waiting {
  readonly tool: string;
  readonly input: unknown;
  decide(decision: PermissionDecision): void;
}

/**
 * The kind's memory for one orchestrator.
 *
 * @example const live = new AgentLive(); live.record('fixer', event, Date.now())
 */
export class AgentLive {
  private readonly transcripts = new Map<string, { next: number; entries: TranscriptEntry[] }>();
  private readonly waiting = new Map<string, Map<string, Waiting>>();
  /** The sessions' worktree statuses, for `info()`. */
  readonly worktrees = new WorktreeStatuses();
  /** Told of each event as it is recorded (messaging counts turns completed with it). */
  readonly watchers = new Set<(agent: string, event: AgentEvent) => void>();

  record(agent: string, event: AgentEvent, at: number): void {
    for (const watch of this.watchers) watch(agent, event);
    let transcript = this.transcripts.get(agent);
    if (!transcript) this.transcripts.set(agent, (transcript = { next: 1, entries: [] }));
    transcript.entries.push({ seq: transcript.next++, at, event });
    if (transcript.entries.length > TRANSCRIPT_MAX) transcript.entries.splice(0, transcript.entries.length - TRANSCRIPT_MAX);
  }

  transcript(agent: string, since?: number): TranscriptEntry[] {
    const entries = this.transcripts.get(agent)?.entries ?? [];
    return since === undefined ? [...entries] : entries.filter((entry) => entry.at >= since);
  }

  /** Waits for a decision on a tool use. */
  ask(agent: string, toolUseId: string, tool: string, input: unknown): Promise<PermissionDecision> {
    return new Promise((resolve) => {
      let uses = this.waiting.get(agent);
      if (!uses) this.waiting.set(agent, (uses = new Map()));
      uses.set(toolUseId, { tool, input, decide: resolve });
    });
  }

  /** Decides a waiting tool use; false when there is none by that id. */
  decide(agent: string, toolUseId: string, allow: boolean, message?: string): boolean {
    const uses = this.waiting.get(agent);
    const use = uses?.get(toolUseId);
    if (!uses || !use) return false;
    uses.delete(toolUseId);
    use.decide(allow ? { behavior: 'allow', updatedInput: use.input } : { behavior: 'deny', message: message ?? 'Denied by a person through troupe.' });
    return true;
  }

  /** The ids of the tool uses an agent waits on. */
  pending(agent: string): string[] {
    return [...(this.waiting.get(agent)?.keys() ?? [])];
  }

  /** A session ended: what waited is denied (its CLI is gone anyway). */
  forget(agent: string): void {
    for (const id of this.pending(agent)) this.decide(agent, id, false, RUN_ENDED);
    this.waiting.delete(agent);
  }
}
