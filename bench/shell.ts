/**
 * 5. Shells. (a) 100 and 500 interactive pty shells started at once, to their first prompt:
 * wall time and RSS of a fresh process holding them, then close and count survivors with ps
 * (shell-baselines/shells-probe.ts). Baseline: the same with bare node-pty. Targets for 100:
 * under 1 s, RSS under 300 MB, none left. (b) A dialog of 1,000 prompt/answer rounds with
 * one program (shell-baselines/asker.py) driven by troupe, bare node-pty, Tcl expect and
 * python3-pexpect in the same run. Targets: troupe within 1.2x of bare node-pty and at
 * least 2x faster than pexpect.
 */
import { execa } from 'execa';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EOF } from '../src/index.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure, type Figure } from './lib/report.js';
import { interleave } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';
import { pexpectDriver, tclExpectDriver, type Driver } from './shell-baselines/external.js';
import { ASKER, bareDialog, bareDialogCpu, PYTHON } from './shell-baselines/node-pty.js';
import { survivors } from './shell-baselines/survivors.js';

const ROUNDS = 1_000;
const PROBE = fileURLToPath(new URL('./shell-baselines/shells-probe.ts', import.meta.url));

type Mode = 'troupe' | 'node-pty';

/** One probe run: ms to every first prompt, RSS (absolute and growth), survivors after close. */
interface ProbeResult {
  ms: number;
  rssMb: number;
  deltaMb: number;
  closeMs: number;
  left: number;
}

/** Runs `count` shells in a fresh process; kills (and reports) any it left, so the next round starts clean. */
async function probe(mode: Mode, count: number): Promise<ProbeResult> {
  const marker = `${mode}-${count}-${process.pid}-${Date.now()}`;
  const { stdout } = await execa(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, mode, String(count), marker], { timeout: 120_000 });
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ProbeResult;
  const stray = await survivors(marker);
  if (stray.length) {
    console.warn(`[shell] ${mode}, ${count} shells: ${stray.length} still running after the probe exited; killing them`);
    for (const pid of stray) process.kill(pid, 'SIGKILL');
  }
  return result;
}

/** Collects every field of each probe of one case, and gives interleave() its wall time. */
function probeCase(mode: Mode, count: number, into: ProbeResult[]): () => Promise<number> {
  return async () => {
    const result = await probe(mode, count);
    into.push(result);
    return result.ms;
  };
}

const pick = (results: readonly ProbeResult[], key: keyof ProbeResult): number[] => results.map((r) => r[key]);

function concurrencyFigures(count: number, troupe: readonly ProbeResult[], bare: readonly ProbeResult[]): Figure[] {
  const label = `${count} bare node-pty shells`;
  const targets = count === 100;
  return [
    figure({ name: `${count} pty shells at once to their first prompt`, unit: 'ms', samples: pick(troupe, 'ms'), baseline: baseline(label, 'ms', pick(bare, 'ms')), ...(targets ? { target: { op: '<', value: 1000 } } : {}) }),
    figure({ name: `RSS with ${count} live pty shells`, unit: 'MB', samples: pick(troupe, 'rssMb'), baseline: baseline(label, 'MB', pick(bare, 'rssMb')), ...(targets ? { target: { op: '<', value: 300 } } : {}), note: 'RSS of a fresh process once every shell has prompted' }),
    figure({ name: `RSS growth for ${count} pty shells`, unit: 'MB', samples: pick(troupe, 'deltaMb'), baseline: baseline(label, 'MB', pick(bare, 'deltaMb')), note: 'from before the first spawn to every first prompt' }),
    figure({ name: `close() of ${count} pty shells`, unit: 'ms', samples: pick(troupe, 'closeMs'), baseline: baseline(label, 'ms', pick(bare, 'closeMs')) }),
    figure({ name: `shells left after close(), ${count}`, unit: '', samples: pick(troupe, 'left'), baseline: baseline(label, '', pick(bare, 'left')), target: { op: '<=', value: 0 }, note: 'counted with ps (marked environment) before the probe exits' }),
  ];
}

/**
 * asker.py driven through a troupe pty shell: ms from the first prompt to `done`, and the
 * CPU ms this process spent meanwhile. `loop` awaits expect() and sendLine() round by round,
 * as a script would; `dialog` hands every round to sh.dialog() at once. The orchestrator
 * opens before and closes after the clock.
 */
async function troupeDialog(style: 'loop' | 'dialog'): Promise<{ ms: number; cpu: number }> {
  const bench = await openOrchestrator();
  try {
    const sh = await bench.orc.spawn({ kind: 'shell', id: 'asker', backend: 'pty', command: PYTHON, args: [ASKER, String(ROUNDS)] });
    await sh.expect('prompt 0> ');
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    if (style === 'loop') {
      for (let i = 0; i < ROUNDS; i++) {
        if (i > 0) await sh.expect(`prompt ${i}> `);
        await sh.sendLine(`answer ${i}`);
      }
      await sh.expect(`done ${ROUNDS}`);
    } else {
      await sh.sendLine('answer 0');
      const rounds = Array.from({ length: ROUNDS - 1 }, (_, k) => ({ expect: `prompt ${k + 1}> `, send: `answer ${k + 1}` }));
      await sh.dialog([...rounds, { expect: `done ${ROUNDS}` }]);
    }
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpuBefore);
    await sh.sendLine('bye');
    // A wrong answer would end the asker with 1: only a dialog that really went through counts.
    await sh.expect(EOF);
    await sh.waitFor('exited', { timeout: 10_000 });
    const exitCode = sh.context?.['exitCode'];
    if (exitCode !== 0) throw new Error(`asker.py exited with ${String(exitCode)} under troupe (${style})`);
    return { ms, cpu: (used.user + used.system) / 1000 };
  } finally {
    await bench.dispose();
  }
}

/** A driver's dialog as an interleave() case, or undefined when the tool is missing. */
function dialogCase(name: string, driver: Driver): (() => Promise<number>) | undefined {
  if (driver.ok) return () => driver.run(ROUNDS);
  console.warn(`[shell] dialog driven by ${name}: row missing (${driver.why})`);
  return undefined;
}

const shellBench: Benchmark = {
  name: 'shell',
  rounds: 3,
  async run(rounds) {
    const [tcl, pexpect] = [await tclExpectDriver(), await pexpectDriver()];
    const tclCase = dialogCase('Tcl expect', tcl);
    const pexpectCase = dialogCase('python3-pexpect', pexpect);
    // One untimed dialog per in-process driver first: the first one in a process runs on
    // cold (unoptimized) code, which would bill V8's warm-up to whichever driver came first.
    await troupeDialog('loop');
    await troupeDialog('dialog');
    await bareDialog(ROUNDS);
    // Dialogs first, in their own interleaving: right after a probe, the kernel is still
    // tearing down hundreds of ptys, which would slow whichever dialog came next. The CPU
    // of each in-process dialog is kept too: on a loaded machine it is the steadier figure.
    const cpu = { troupe: [] as number[], bare: [] as number[] };
    const samples = await interleave(rounds, {
      dialogTroupe: async () => {
        const run = await troupeDialog('loop');
        cpu.troupe.push(run.cpu);
        return run.ms;
      },
      dialogTroupeAll: async () => (await troupeDialog('dialog')).ms,
      dialogBare: async () => {
        const run = await bareDialogCpu(ROUNDS);
        cpu.bare.push(run.cpu);
        return run.ms;
      },
      dialogTcl: tclCase ?? (async () => Number.NaN),
      dialogPexpect: pexpectCase ?? (async () => Number.NaN),
    });
    const probes = { troupe100: [] as ProbeResult[], bare100: [] as ProbeResult[], troupe500: [] as ProbeResult[], bare500: [] as ProbeResult[] };
    await interleave(rounds, {
      troupe100: probeCase('troupe', 100, probes.troupe100),
      bare100: probeCase('node-pty', 100, probes.bare100),
      troupe500: probeCase('troupe', 500, probes.troupe500),
      bare500: probeCase('node-pty', 500, probes.bare500),
    });
    const n = ROUNDS.toLocaleString('en-US');
    const bareBase = baseline('bare node-pty, hand-written expect loop', 'ms', samples.dialogBare);
    const perRound = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x / b[i]!);
    const figures: Figure[] = [
      figure({ name: `dialog of ${n} rounds, troupe expect + sendLine`, unit: 'ms', samples: samples.dialogTroupe, baseline: bareBase }),
      figure({ name: `dialog of ${n} rounds, troupe sh.dialog()`, unit: 'ms', samples: samples.dialogTroupeAll, baseline: bareBase }),
      figure({ name: 'troupe / bare node-pty, dialog time', unit: 'x', samples: perRound(samples.dialogTroupe, samples.dialogBare), baseline: bareBase, target: { op: '<=', value: 1.2 }, note: 'median of the per-round ratios' }),
      figure({ name: 'troupe / bare node-pty, dialog CPU', unit: 'x', samples: perRound(cpu.troupe, cpu.bare), baseline: baseline('bare node-pty, CPU of this process over the dialog', 'ms', cpu.bare), note: 'CPU of this process over the dialog, median of the per-round ratios: steadier than wall time on a loaded machine' }),
    ];
    if (tclCase) {
      figures.push(figure({ name: `dialog of ${n} rounds, Tcl expect`, unit: 'ms', samples: samples.dialogTcl, baseline: bareBase }));
    }
    if (pexpectCase) {
      figures.push(
        figure({ name: `dialog of ${n} rounds, python3-pexpect`, unit: 'ms', samples: samples.dialogPexpect, baseline: bareBase }),
        figure({ name: 'pexpect / troupe, dialog time', unit: 'x', samples: perRound(samples.dialogPexpect, samples.dialogTroupe), baseline: baseline('python3-pexpect, delaybeforesend = None', 'ms', samples.dialogPexpect), target: { op: '>=', value: 2 }, note: 'median of the per-round ratios: how many times faster troupe is' }),
      );
    }
    return [...figures, ...concurrencyFigures(100, probes.troupe100, probes.bare100), ...concurrencyFigures(500, probes.troupe500, probes.bare500)];
  },
};
export default shellBench;
