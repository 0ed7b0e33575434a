import { execa } from 'execa';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './cli.js';

/** tsx, by its absolute URL: the CLI then runs from any working directory. */
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;

/**
 * Runs the CLI from source in `cwd` (a project directory with its own troupe.yaml), as a
 * user would there; like `troupe()` otherwise.
 *
 * @example
 * const { exitCode, stdout } = await troupeIn(project, ['config', 'show']);
 */
export function troupeIn(cwd: string, args: string[], options: { env?: Record<string, string> } = {}) {
  return execa('node', ['--import', TSX, join(ROOT, 'src', 'cli', 'run.ts'), ...args], {
    cwd,
    reject: false,
    env: { TROUPE_DB: undefined, TZ: 'UTC', ...options.env },
  });
}
