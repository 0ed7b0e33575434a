/**
 * A team role's `checkin: 30m`: a recurring schedule (the schedule kind, `every`) that sends
 * the role's agent a check-in note, as `schedule_checkin` does (`schedule.note`, which an agent
 * takes as a prompt headed '[troupe check-in]'). It is a child of the team (`<team>/<role>.checkin`),
 * so it is spawned and stopped with the team, restored with it after a crash (never made twice)
 * and removed with it.
 */
import type { Duration } from '../../runtime/duration.js';

/** The name of a role's check-in child: a `.` no role name has, so it never meets a role's. */
export function checkinChild(role: string): string {
  return `${role}.checkin`;
}

/**
 * What a role's agent is told at each check-in.
 *
 * @example checkinNote('developer', '30m') // "Check-in for the developer role (every 30m): ..."
 */
export function checkinNote(role: string, every: Duration): string {
  const interval = typeof every === 'number' ? `${String(every)} ms` : every;
  return `Check-in for the ${role} role (every ${interval}): say what you finished since the last check-in, what you are working on now, and what blocks you.`;
}

/**
 * The check-in schedules of a team's roles that ask for one: children spawned by the team's machine.
 *
 * @example
 * checkinsOf('team-shop', [{ role: 'developer', checkin: '30m' }])
 * // [{ child: 'developer.checkin', spec: { kind: 'schedule', every: '30m', target: { send: { to: 'team-shop/developer', event: { type: 'schedule.note', text: '...' } } } } }]
 */
export function checkinsOf(team: string, members: readonly { readonly role: string; readonly checkin?: Duration | undefined }[]): { child: string; spec: Record<string, unknown> }[] {
  return members.flatMap((member) =>
    member.checkin === undefined
      ? []
      : [
          {
            child: checkinChild(member.role),
            spec: {
              kind: 'schedule',
              every: member.checkin,
              // A note missed while the owner was down is given once, not once per interval missed.
              catchup: 'once',
              target: { send: { to: `${team}/${member.role}`, event: { type: 'schedule.note', text: checkinNote(member.role, member.checkin) } } },
            },
          },
        ],
  );
}
