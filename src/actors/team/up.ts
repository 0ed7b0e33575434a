/**
 * Bringing a team's worktrees into being before its agents start: the integration branch
 * (from the project's current branch, once), then each role's worktree on its branch
 * `team/<name>/<role>` from it, reused when a previous `team up` left it, with troupe's
 * post-commit hook installed, so the first commit of an agent already reaches the coordinator.
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { TeamMemberInput } from '../../machines/team.js';
import { TroupeError } from '../../runtime/errors.js';
import { installCommitHook } from '../agent/git-hook.js';
import { createWorktree, resumeWorktree } from '../agent/worktree.js';
import { branchExists, git, gitCommonDir } from '../agent/worktree-git.js';
import { TEAM_WORKTREE_ROOT, type TeamPlan } from './plan.js';

type Worktree = NonNullable<TeamMemberInput['worktree']>;

/**
 * Makes (or finds) the worktrees of `plan`'s roles that want one; `db` set installs the
 * commit hook reporting to that database's owner. NOT_A_REPO when the project is not in git.
 *
 * @example const worktrees = await prepareWorktrees(plan, { db: '/srv/shop/.troupe/state.db' });
 */
export async function prepareWorktrees(plan: TeamPlan, options: { readonly base?: string; readonly db?: string; readonly planned?: (info: Worktree) => void }): Promise<Map<string, Worktree>> {
  const made = new Map<string, Worktree>();
  const wanting = plan.members.filter((member) => member.branch !== undefined);
  if (wanting.length === 0) return made;
  if ((await gitCommonDir(plan.project)) === undefined) {
    throw new TroupeError('NOT_A_REPO', `Project ${plan.project} is not a git repository, and roles ${wanting.map((m) => m.role).join(', ')} work in worktrees. Run \`git init\` and commit there first.`, { details: { project: plan.project } });
  }
  const top = realpathSync((await git(plan.project, ['rev-parse', '--show-toplevel'])).stdout);
  if (!(await branchExists(top, plan.integration))) {
    const base = options.base ?? (await currentBranch(top));
    await git(top, ['branch', plan.integration, base]);
  }
  for (const member of wanting) {
    const branch = member.branch!;
    const path = member.path!;
    const kept: Worktree = { repo: top, path, branch, base: plan.integration };
    let info: Worktree;
    if (existsSync(path)) {
      options.planned?.(kept);
      info = kept;
    } else if (await branchExists(top, branch)) {
      // Removing the team removed the worktree but kept the branch, which held commits: the role carries on from them.
      options.planned?.(kept);
      await resumeWorktree(kept);
      info = kept;
    } else {
      info = await createWorktree({ repo: top, root: join(plan.project, TEAM_WORKTREE_ROOT), id: `${plan.id}-${member.role}`, branch, base: plan.integration, ...(options.planned ? { beforeAdd: options.planned } : {}) });
    }
    if (options.db !== undefined) await installCommitHook(info, { db: options.db, team: plan.name });
    made.set(member.role, { repo: info.repo, path: info.path, branch: info.branch, base: info.base });
  }
  return made;
}

/** The branch checked out in the project (`HEAD` when detached). */
async function currentBranch(top: string): Promise<string> {
  const { stdout } = await git(top, ['rev-parse', '--abbrev-ref', 'HEAD']);
  return stdout.trim() || 'HEAD';
}
