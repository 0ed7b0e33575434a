/**
 * Finds the benchmark's shells with ps: each carries `TROUPE_BENCH_SHELL=<marker>` in its
 * environment, and so does everything it started, whoever its parent is by now.
 */
import { execa } from 'execa';

/** The environment variable that marks one probe's shells. */
export const MARKER_VAR = 'TROUPE_BENCH_SHELL';

/**
 * The pids of live processes whose environment holds `MARKER_VAR=marker` (`ps e` prints
 * each process's environment after its command line).
 *
 * @example
 * const left = await survivors('troupe-100-4242');
 */
export async function survivors(marker: string): Promise<number[]> {
  const { stdout } = await execa('ps', ['-e', '-ww', 'e', '-o', 'pid=,stat=,args=']);
  const needle = ` ${MARKER_VAR}=${marker}`;
  return stdout
    .split('\n')
    // Zombies are gone already, only not yet waited for by their parent.
    .filter((line) => (line.endsWith(needle) || line.includes(`${needle} `)) && !/^\s*\d+\s+Z/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}
