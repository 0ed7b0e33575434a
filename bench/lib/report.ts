import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** A target as the issue words it: `< 1000 ms`, `>= 100000 msg/s`, `<= 1.5`. */
export interface Target {
  readonly op: '<' | '<=' | '>=';
  readonly value: number;
}

/** A number measured in the same run as the figure, to compare it with. */
export interface Baseline {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly samples?: readonly number[];
}

/** One line of the summary and one row of the README table. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  /** The median of `samples`. */
  readonly measured: number;
  readonly samples: readonly number[];
  readonly baseline?: Baseline;
  /** Absent for figures reported for context only. */
  readonly target?: Target;
  readonly met?: boolean;
  readonly note?: string;
}

/** What `bench/results/<name>.json` holds. */
export interface BenchResult {
  readonly benchmark: string;
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly rounds: number;
  readonly pass: boolean;
  readonly figures: readonly Figure[];
}

/** Builds a figure from its samples: the median is what is compared with the target. */
export function figure(spec: { name: string; unit: string; samples: readonly number[]; baseline?: Baseline; target?: Target; note?: string }): Figure {
  const measured = median(spec.samples);
  const { target } = spec;
  return {
    ...spec,
    measured,
    ...(target ? { met: target.op === '<' ? measured < target.value : target.op === '<=' ? measured <= target.value : measured >= target.value } : {}),
  };
}

/** A baseline from its samples (median). */
export function baseline(label: string, unit: string, samples: readonly number[]): Baseline {
  return { label, unit, value: median(samples), samples };
}

export function writeResult(benchmark: string, rounds: number, figures: readonly Figure[]): BenchResult {
  const result: BenchResult = {
    benchmark,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    rounds,
    pass: figures.every((f) => f.met !== false),
    figures,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${benchmark}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return result;
}

export function readResult(benchmark: string): BenchResult {
  return JSON.parse(readFileSync(join(RESULTS_DIR, `${benchmark}.json`), 'utf8')) as BenchResult;
}

/** `1,234 ms`, `0.84 ms`, `1.32`: enough digits to compare, no more. */
export function format(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const number = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === '' || unit === 'x' ? `${number}${unit}` : `${number} ${unit}`;
}

export function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return '—';
  const op = target.op === '<' ? 'under' : target.op === '<=' ? 'at most' : 'at least';
  return `${op} ${format(target.value, unit)}`;
}

function verdict(figure: Figure): string {
  return figure.met === undefined ? '—' : figure.met ? 'yes' : 'NO';
}

/** One line per figure, printed by each benchmark as it finishes. */
export function summaryLines(result: BenchResult): string[] {
  return result.figures.map((f) => {
    const base = f.baseline ? `; baseline ${f.baseline.label}: ${format(f.baseline.value, f.baseline.unit)}` : '';
    const target = f.target ? `; target ${formatTarget(f.target, f.unit)}: ${f.met ? 'met' : 'MISSED'}` : '';
    return `[${result.benchmark}] ${f.name}: ${format(f.measured, f.unit)} (median of ${f.samples.length}${base}${target})`;
  });
}

/** The table for the README: figure | measured | baseline | target | met? */
export function markdownTable(results: readonly BenchResult[]): string {
  const rows = ['| figure | measured | baseline | target | met? |', '| --- | --- | --- | --- | --- |'];
  for (const result of results) {
    for (const f of result.figures) {
      const base = f.baseline ? `${format(f.baseline.value, f.baseline.unit)} (${f.baseline.label})` : '—';
      rows.push(`| ${f.name} | ${format(f.measured, f.unit)} | ${base} | ${formatTarget(f.target, f.unit)} | ${verdict(f)} |`);
    }
  }
  const first = results[0];
  if (first) rows.push('', `Node ${first.node}, ${first.platform}, ${first.cpus} × ${first.cpu}; ${first.date.slice(0, 10)}. Medians of each benchmark's rounds; baselines measured in the same run; ratios and overheads are medians of per-round pairs. Run with \`npm run bench\`.`);
  return rows.join('\n');
}
