/**
 * The program a worktree's post-commit hook runs in the background:
 * `commit-notify <db> <team> <worktree> [<ms>]` posts a {@link CommitNotice} to the database's
 * inbox, for its owner now or the next one. It never reports a failure to the hook (which
 * ignores it anyway): a commit must not depend on troupe. Loads only the inbox writer.
 */
import { CONTROL_TARGET } from '../../runtime/control.js';
import { postToInbox } from '../../runtime/inbox-client.js';
import { GIT_COMMIT_CONTROL, type CommitNotice } from './git-sync-notice.js';

const [db, team, worktree, ms] = process.argv.slice(2);
// The hook's own clock reading, taken before node started: the latency starts at the commit.
const at = ms && /^\d{13}$/.test(ms) ? Number(ms) : Date.now();
if (db && team && worktree) {
  const notice: CommitNotice = { type: GIT_COMMIT_CONTROL, team, worktree, at };
  try {
    postToInbox(db, CONTROL_TARGET, notice, `git-hook:${process.pid}`);
  } catch {
    // No database there (removed with its project) or it is unwritable: the commit stands, unreported.
    process.exitCode = 1;
  }
}
