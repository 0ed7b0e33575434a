/**
 * The per-project lock of team orchestrations: `team up` and `team down` of one project take
 * `<project>/.troupe/team.lock` (created exclusively, holding the owner's pid and start time),
 * so two orchestrations of one project never interleave, whichever process or database runs
 * them. A lock whose owner is gone (its pid dead, or reused by another process) is stale and
 * taken over; a live one is waited for up to a timeout, then TEAM_LOCKED names its owner.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { TroupeError } from '../../runtime/errors.js';
import { isSameProcess, readStartTime } from '../proc/proc-info.js';

/** What a lock file holds. */
interface LockOwner {
  readonly pid: number;
  readonly startTime: string | null;
  readonly host: string;
  readonly acquiredAt: number;
  /** Tells apart two holders in one process (the pid check cannot). */
  readonly token: string;
}

/** How long `team up` waits for another orchestration of the project by default. */
export const PROJECT_LOCK_TIMEOUT_MS = 10_000;

let tokens = 0;

/** The lock file of a project. */
export const projectLockFile = (project: string) => join(resolve(project), '.troupe', 'team.lock');

function readLock(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined; // gone meanwhile, or half-written by a holder that died: retried, then stale
  }
}

function alive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // another host's process cannot be checked: trust it
  if (owner.startTime === null) return readStartTime(owner.pid) !== undefined;
  return isSameProcess(owner.pid, owner.startTime);
}

/**
 * Runs `fn` holding the project's lock; TEAM_LOCKED when another live orchestration holds it
 * past `timeoutMs`.
 *
 * @example
 * await withProjectLock('/srv/shop', async () => { ... }, { timeoutMs: 5_000 });
 */
export async function withProjectLock<T>(project: string, fn: () => Promise<T>, options: { readonly timeoutMs?: number } = {}): Promise<T> {
  const file = projectLockFile(project);
  mkdirSync(join(file, '..'), { recursive: true });
  const token = `${process.pid}-${++tokens}`;
  const me: LockOwner = { pid: process.pid, startTime: readStartTime(process.pid) ?? null, host: hostname(), acquiredAt: Date.now(), token };
  const deadline = Date.now() + (options.timeoutMs ?? PROJECT_LOCK_TIMEOUT_MS);
  let unreadable = 0;
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readLock(file);
    // Unreadable a few times running: its writer died between create and write.
    if (owner === undefined ? ++unreadable > 5 : !alive(owner)) {
      rmSync(file, { force: true });
      unreadable = 0;
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner ? `pid ${owner.pid}${owner.pid === process.pid ? ' (this process)' : ''} since ${new Date(owner.acquiredAt).toISOString()}` : 'another process';
      throw new TroupeError('TEAM_LOCKED', `Project ${resolve(project)} is locked by another team orchestration (${who}). Wait for it, or remove ${file} if that process is gone.`, {
        details: { project: resolve(project), file, pid: owner?.pid },
      });
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  try {
    return await fn();
  } finally {
    if (readLock(file)?.token === token) rmSync(file, { force: true });
  }
}
