/**
 * `troupe schedule add`'s options turned into a schedule spec: when (`--every`, `--cron`
 * with `--tz`, `--at`, `--in`), what (`--to` with `--event` or `--note`, `--spawn`, `--run`
 * with `--set`), and the rules (`--catchup`, `--overlap`, `--jitter`, `--max-runs`,
 * `--late-after`), or a whole spec as JSON (`--spec`). The spec itself is checked by the
 * kind (one boundary); this only checks what is typed (JSON, `KEY=VALUE`).
 */
import { TroupeError } from '../runtime/errors.js';
import { optionText, usageError } from './args.js';
import { parseEvent } from './validate.js';

type Options = Readonly<Record<string, string | true | undefined>>;

const text = optionText;

function json(value: string, option: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err: unknown) {
    throw usageError(`--${option} is not valid JSON (${err instanceof Error ? err.message : String(err)}). Quote it for the shell: --${option} '{"kind":"process","command":"make"}'.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usageError(`--${option} must be a JSON object, got ${value.trim()}.`);
  return parsed as Record<string, unknown>;
}

/** `--set KEY=VALUE`s as a record. */
function sets(values: readonly string[]): Record<string, string> {
  const set: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--set '${pair}' is not KEY=VALUE. Example: --set TARGET=staging.`);
    set[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return set;
}

/**
 * The spec `troupe schedule add <id> ...` asks for.
 *
 * @example
 * scheduleSpecOf('checkin', { in: '30m', to: 'agent-1', note: 'Status?' }, []) // { kind: 'schedule', id: 'checkin', in: '30m', target: { send: { to: 'agent-1', event: { type: 'schedule.note', text: 'Status?' } } } }
 */
export function scheduleSpecOf(id: string, options: Options, set: readonly string[]): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...(text(options, 'spec') === undefined ? {} : json(text(options, 'spec')!, 'spec')), kind: 'schedule', id };
  for (const [option, field] of [['every', 'every'], ['cron', 'cron'], ['tz', 'timezone'], ['at', 'at'], ['in', 'in'], ['catchup', 'catchup'], ['overlap', 'overlap'], ['jitter', 'jitter'], ['late-after', 'late_after']] as const) {
    const value = text(options, option);
    if (value !== undefined) spec[field] = value;
  }
  const maxRuns = text(options, 'max-runs');
  if (maxRuns !== undefined) {
    if (!/^[1-9]\d*$/.test(maxRuns)) throw usageError(`--max-runs '${maxRuns}' is not a whole number above 0.`);
    spec['max_runs'] = Number(maxRuns);
  }
  const to = text(options, 'to');
  const targets = [to, text(options, 'spawn'), text(options, 'run')].filter((value) => value !== undefined).length;
  if (targets > 1) throw usageError('Give one target: --to <actor> (with --event or --note), --spawn <spec json> or --run <workflow file>.');
  if (to !== undefined) {
    const event = text(options, 'event');
    const note = text(options, 'note');
    if ((event === undefined) === (note === undefined)) throw usageError(`--to ${to} needs one of --event '<json>' or --note "<text>".`);
    spec['target'] = { send: { to, event: event === undefined ? { type: 'schedule.note', text: note } : parseEvent(event) } };
  } else if (text(options, 'spawn') !== undefined) {
    spec['target'] = { spawn: json(text(options, 'spawn')!, 'spawn') };
  } else if (text(options, 'run') !== undefined) {
    spec['target'] = { run: text(options, 'run'), ...(set.length > 0 ? { set: sets(set) } : {}) };
  } else if (spec['target'] === undefined) {
    throw new TroupeError('INVALID_ARGUMENT', `Schedule '${id}' needs a target: --to <actor> --note "<text>", --to <actor> --event '<json>', --spawn '<spec json>' or --run <workflow file>.`, { details: { id } });
  }
  return spec;
}
