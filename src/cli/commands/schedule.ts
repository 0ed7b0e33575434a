/**
 * `troupe schedule add|ls|pause|resume|trigger|rm [id]`: durable schedules and check-ins.
 * While an orchestrator owns the database (`troupe serve`) changes are control requests it
 * answers (`schedule.add`, ...); without one, this opens the database itself with schedules
 * held (`fireSchedules: false`), makes the change and closes it, so the next owner fires.
 * `ls` only reads.
 */
import { scheduleInfo, type ScheduleInfo } from '../../actors/schedule/info.js';
import type { ScheduleContext } from '../../machines/schedule-plan.js';
import { ownerOrOpen } from '../owner-request.js';
import { openReader } from '../../runtime/reader.js';
import { usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatTable, formatTimestamp } from '../format.js';
import type { Io } from '../io.js';
import { scheduleSpecOf } from '../schedule-spec.js';
import { checkActorId } from '../validate.js';

const ACTIONS = ['add', 'ls', 'pause', 'resume', 'trigger', 'rm'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * The `troupe schedule` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help schedule` prints it).
 *
 * @example
 * const code = await (await import('./schedule.js')).default.run(context);
 */
export default defineCommand({
  name: 'schedule',
  summary: 'Add, list, pause, resume, trigger or remove durable schedules and check-ins.',
  args: [
    { name: '<action>', description: 'add, ls, pause, resume, trigger or rm.' },
    { name: '[id]', optional: true, description: 'The schedule (every action but ls).', complete: 'actor' },
  ],
  options: [
    { name: 'every', value: '<duration>', description: 'add: fire every interval (at least 1s), e.g. 30m.' },
    { name: 'cron', value: '<expr>', description: "add: fire on a cron expression, 5 fields or 6 with seconds first, e.g. '*/5 * * * *'." },
    { name: 'tz', value: '<timezone>', description: 'add: the IANA timezone of --cron, e.g. Europe/Berlin.' },
    { name: 'at', value: '<iso time>', description: 'add: fire once at this time (a check-in).' },
    { name: 'in', value: '<duration>', description: 'add: fire once after this long (a check-in).' },
    { name: 'to', value: '<actor>', description: 'add: send an event to this actor on each fire.' },
    { name: 'event', value: '<json>', description: 'add: the event --to gets.' },
    { name: 'note', value: '<text>', description: 'add: send {"type":"schedule.note","text":...} to --to. pause: why it is paused.' },
    { name: 'spawn', value: '<spec json>', description: 'add: spawn this actor spec on each fire (as a child of the schedule).' },
    { name: 'run', value: '<workflow file>', description: 'add: run this workflow on each fire.' },
    { name: 'set', value: '<KEY=VALUE>', repeatable: true, description: 'add: a value for the --run workflow.' },
    { name: 'catchup', value: '<mode>', description: 'add: after downtime: skip, once (default) or all.' },
    { name: 'overlap', value: '<mode>', description: 'add: while the last fire runs: skip (default), buffer_one, buffer_all, cancel_other, allow_all.' },
    { name: 'jitter', value: '<duration>', description: 'add: spread each fire by up to this much.' },
    { name: 'late-after', value: '<duration>', description: 'add: a fire later than this is late (default 1s).' },
    { name: 'max-runs', value: '<n>', description: 'add: complete after this many fires.' },
    { name: 'spec', value: '<json>', description: 'add: a whole schedule spec as JSON (the options above win).' },
    { name: 'all', short: 'a', description: 'ls: completed and removed schedules too.' },
  ],
  json: 'ls: print a JSON array of the schedules instead of the table.',
  help: `While an orchestrator owns the database (troupe serve), it makes the change at once.
Without one, the change is written to the database and the next owner fires the schedule,
catching up what fell due as its catchup mode says. A fire later than --late-after after
its due time is reported (schedule.late in the journal).`,
  examples: [
    `troupe schedule add checkin --in 30m --to agent-1 --note "Status?"`,
    `troupe schedule add nightly --cron '0 3 * * *' --tz Europe/Berlin --run deploy.yaml --set TARGET=staging`,
    'troupe schedule ls --json',
    'troupe schedule pause nightly --note "release freeze"',
  ],
  async run({ db, args, options, repeated, io }) {
    const action = args['<action>'] as Action;
    if (!ACTIONS.includes(action)) throw usageError(`Unknown action '${action}'. Use one of: ${ACTIONS.join(', ')}.`);
    if (action === 'ls') return list(db, options['all'] === true, options['json'] === true, io);
    const given = args['[id]'];
    if (given === undefined) throw usageError(`troupe schedule ${action} needs the schedule's id (usage: troupe schedule ${action} <id>).`);
    const id = checkActorId(given);
    const note = typeof options['note'] === 'string' ? options['note'] : undefined;
    const request =
      action === 'add' ? { type: 'schedule.add', spec: scheduleSpecOf(id, options, repeated('set')) }
      : action === 'pause' ? { type: 'schedule.pause', id, ...(note === undefined ? {} : { note }) }
      : { type: `schedule.${action}`, id };
    await change(db, request);
    const done = { add: 'added', pause: 'paused', resume: 'resumed', trigger: 'triggered', rm: 'removed' }[action];
    return io.out(`schedule '${id}' ${done}\n`);
  },
});

/** Through the owner when there is one; else in an orchestrator of our own that fires nothing. */
function change(db: string, request: { type: string; id?: string; spec?: Record<string, unknown>; note?: string }): Promise<void> {
  // A change writes: the database is created when missing (a first schedule in a project).
  return ownerOrOpen(
    db,
    request,
    async (orc) => {
      if (request.type === 'schedule.add') orc.addSchedule(request.spec as never);
      else {
        const schedule = orc.schedule(request.id!);
        if (request.type === 'schedule.pause') schedule.pause(request.note);
        else if (request.type === 'schedule.resume') schedule.resume();
        else if (request.type === 'schedule.trigger') schedule.trigger();
        else await orc.stop(request.id!);
      }
      await orc.durable();
    },
    { create: true, orchestrator: { fireSchedules: false } },
  );
}

async function list(db: string, all: boolean, asJson: boolean, io: Io): Promise<void> {
  const reader = openReader(db);
  let schedules: ScheduleInfo[];
  try {
    schedules = reader
      .actors({ kind: 'schedule', all })
      .filter((actor) => actor.parent === null && (all || actor.status !== 'stopped'))
      .map((actor) => {
        const snapshot = reader.snapshot(actor.id) as { value?: unknown; status?: string; context?: ScheduleContext } | undefined;
        return snapshot?.context ? scheduleInfo(actor.id, typeof snapshot.value === 'string' ? snapshot.value : actor.state, actor.status === 'active' ? (snapshot.status ?? 'active') : actor.status, snapshot.context) : undefined;
      })
      .filter((info): info is ScheduleInfo => info !== undefined);
  } finally {
    reader.close();
  }
  if (asJson) return io.out(`${JSON.stringify(schedules, null, 2)}\n`);
  if (schedules.length === 0) return io.out('no schedules\n');
  const rows = schedules.map((s) => [
    s.id,
    s.state,
    s.nextFire === null ? '-' : formatTimestamp(s.nextFire),
    s.lastFire === null ? '-' : `${formatTimestamp(s.lastFire.at)} (${s.lastFire.lateMs}ms late)`,
    String(s.fires),
    String(s.misses),
    String(s.late),
    s.note ?? s.lastError ?? '',
  ]);
  return io.out(formatTable(['ID', 'STATE', 'NEXT', 'LAST', 'FIRES', 'MISSES', 'LATE', 'NOTE'], rows));
}
