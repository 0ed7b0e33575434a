/**
 * Where the project config file is: `troupe.yaml`, or `.troupe/config.yaml`, in the working
 * directory or the nearest directory above it, like git finds `.git`. Only the file system:
 * the CLI's light commands (`troupe ps`) look for it without loading YAML or zod.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The names looked for in each directory, in this order. */
export const CONFIG_FILES = ['troupe.yaml', join('.troupe', 'config.yaml')] as const;

/** A config file found: where it is and the project root its relative paths start from. */
export interface ConfigLocation {
  readonly file: string;
  /** The directory holding `troupe.yaml`, or the one holding `.troupe/`. */
  readonly root: string;
}

/**
 * The nearest config file from `cwd` upward, or undefined.
 *
 * @example findConfigFile('/srv/app/src') // { file: '/srv/app/troupe.yaml', root: '/srv/app' }
 */
export function findConfigFile(cwd: string = process.cwd()): ConfigLocation | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      if (existsSync(file) && statSync(file).isFile()) return { file, root: dir };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

