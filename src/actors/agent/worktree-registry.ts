/**
 * The worktrees one database's actors made, in a small JSON file beside its logs: an agent's
 * own (`worktree:` in its spec) and a team's role worktrees. An entry is written before
 * `git worktree add` runs (write-ahead, like a resource record), and names the actor whose
 * row keeps the worktree alive. Removal reads it to find what to release; after a crash the
 * agent kind's sweep finds entries whose actor row is gone (a removal cut short, a row
 * dropped by hand) and releases those worktrees then. Only the owner of the database writes it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { WorktreeInfo } from './worktree-info.js';

/** One worktree and the actor whose row keeps it. */
export interface WorktreeEntry extends WorktreeInfo {
  /** The actor that owns it: the agent (`fixer`, `wf-1/fix#1`) or the team (`team-shop`). */
  readonly actor: string;
}

const entrySchema = z.object({ actor: z.string().min(1), repo: z.string().min(1), path: z.string().min(1), branch: z.string().min(1), base: z.string().min(1) });
const fileSchema = z.object({ worktrees: z.array(entrySchema) });

/**
 * The registry file of a database: named by a hash of its key, since databases in one
 * directory share their logs directory.
 *
 * @example registryFile('/srv/app/.troupe/logs', '/srv/app/.troupe/state.db') // '/srv/app/.troupe/logs/worktrees-3f9a1c2e.json'
 */
export function registryFile(logsDir: string, dbKey: string): string {
  return join(logsDir, `worktrees-${createHash('sha256').update(resolve(dbKey)).digest('hex').slice(0, 8)}.json`);
}

/**
 * A database's worktree registry.
 *
 * @example
 * const registry = new WorktreeRegistry(services.logsDir, services.dbKey);
 * registry.add({ actor: 'fixer', repo: '/srv/app', path: '/srv/app/.troupe/worktrees/fixer', branch: 'agent/fixer', base: 'main' });
 * registry.of('fixer') // [that entry]
 */
export class WorktreeRegistry {
  private readonly file: string;

  constructor(
    private readonly logsDir: string,
    dbKey: string,
  ) {
    this.file = registryFile(logsDir, dbKey);
  }

  /** Every entry; an unreadable or missing file reads as none (it only ever adds cleanup). */
  all(): WorktreeEntry[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.worktrees : [];
    } catch {
      return [];
    }
  }

  /** The entries an actor owns. */
  of(actor: string): WorktreeEntry[] {
    return this.all().filter((entry) => entry.actor === actor);
  }

  /** Adds (or replaces, by path) an entry, synchronously: it must be on disk before the worktree is. */
  add(entry: WorktreeEntry): void {
    const plain: WorktreeEntry = { actor: entry.actor, repo: entry.repo, path: entry.path, branch: entry.branch, base: entry.base };
    this.write([...this.all().filter((other) => other.path !== plain.path), plain]);
  }

  /** Forgets the entry of a worktree (by its path) once it is gone. */
  drop(path: string): void {
    const all = this.all();
    const left = all.filter((entry) => entry.path !== path);
    if (left.length !== all.length) this.write(left);
  }

  private write(worktrees: readonly WorktreeEntry[]): void {
    mkdirSync(this.logsDir, { recursive: true });
    // Written aside and renamed: a crash mid-write must not lose the entries already there.
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ worktrees }, null, 1)}\n`);
    renameSync(temp, this.file);
  }
}
