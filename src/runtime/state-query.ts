/**
 * Time travel's one query: every actor's state as of a journal seq, the last `actor.state`
 * line of each actor at or before it, read in SQL (the `to` field alone) so scrubbing a long
 * history parses no context diffs.
 */
import type Database from 'better-sqlite3';

/**
 * Actor id -> its state as of journal seq `seq`; actors without a state line by then are absent.
 *
 * @example latestStates(store.db, 120).get('web') // 'running'
 */
export function latestStates(db: Database.Database, seq: number): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT j.actor AS actor, json_extract(j.data, '$.to') AS state FROM journal j
       JOIN (SELECT actor, MAX(seq) AS last FROM journal WHERE type = 'actor.state' AND actor IS NOT NULL AND seq <= ? GROUP BY actor) l
       ON j.seq = l.last`,
    )
    .all(seq) as Array<{ actor: string; state: string | null }>;
  const states = new Map<string, string>();
  for (const row of rows) if (typeof row.state === 'string') states.set(row.actor, row.state);
  return states;
}
