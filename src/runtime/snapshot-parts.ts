/**
 * Splitting a persisted snapshot so that writing it costs what changed, not its size. A
 * kind's `split` takes big, mostly unchanging pieces out of the snapshot (a workflow run's
 * step records and its compiled workflow) as keyed parts, and leaves markers in their place:
 * `{ $part: key }` for one part, `{ $parts: prefix }` for an object made of every part whose
 * key starts with `prefix`. The main part is written to the actor's row as before; a part is
 * written to `actor_parts` only when its object is not the one written last time (machines
 * update immutably, so an unchanged record keeps its identity). Reading joins them back.
 */

/** A snapshot as a small main part plus keyed parts (plain JSON values, holding no actor refs). */
export interface SplitSnapshot {
  main: unknown;
  parts: ReadonlyMap<string, unknown>;
  /**
   * False when `parts` holds only what may have changed (an incremental split): the parts
   * written before and missing here are then kept. Default true: `parts` is every part, and
   * one written before that is missing has left the snapshot (a queue's emptied bucket) and
   * leaves the table too.
   */
  complete?: boolean;
}

/**
 * A kind's way of splitting its actors' live snapshots: `main` is a snapshot of the same
 * shape, persisted by the kind's logic as usual (`getPersistedSnapshot`). With `full` false
 * (the actor's earlier parts are written) it may return only the parts that may have
 * changed since the last write, when the snapshot says which (a run's `changed` steps):
 * then a write costs what changed, not a walk of every part. `full` asks for every part.
 */
export type SnapshotSplitter = (snapshot: unknown, full: boolean) => SplitSnapshot;

/**
 * The parts written last for one actor (by object identity), to write only those that changed.
 *
 * @example
 * const written = new WrittenParts();
 * for (const [key, value] of written.changed(split.parts)) store.putPart(id, key, JSON.stringify(value));
 */
export class WrittenParts {
  private readonly last = new Map<string, unknown>();

  /** The parts whose object differs from the one written last, remembered as written. */
  changed(parts: ReadonlyMap<string, unknown>): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [];
    for (const [key, value] of parts) {
      if (this.last.get(key) === value) continue;
      this.last.set(key, value);
      out.push([key, value]);
    }
    return out;
  }

  /**
   * The parts written before that are no longer in the snapshot, forgotten as written: a
   * part can leave (a queue's bucket that emptied), and must then leave the table too.
   */
  removed(parts: ReadonlyMap<string, unknown>): string[] {
    const out: string[] = [];
    for (const key of this.last.keys()) {
      if (parts.has(key)) continue;
      this.last.delete(key);
      out.push(key);
    }
    return out;
  }
}

/**
 * The snapshot with its parts put back in place of their markers. A snapshot without
 * markers (written whole, e.g. at close) comes back as it is.
 *
 * @example joinParts({ context: { steps: { $parts: 'step:' } } }, new Map([['step:a', { state: 'waiting' }]])) // { context: { steps: { a: { state: 'waiting' } } } }
 */
export function joinParts(main: unknown, parts: ReadonlyMap<string, unknown>): unknown {
  if (!main || typeof main !== 'object') return main;
  if (Array.isArray(main)) return main.map((item: unknown) => joinParts(item, parts));
  const object = main as Record<string, unknown>;
  const part = object['$part'];
  if (typeof part === 'string' && Object.keys(object).length === 1) return parts.get(part);
  const prefix = object['$parts'];
  if (typeof prefix === 'string' && Object.keys(object).length === 1) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of parts) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) out[key] = joinParts(value, parts);
  return out;
}

/**
 * What an actor's row holds in place of its spec when the spec is kept in `actor_parts`
 * (key `$spec`): for kinds that split their snapshots, whose specs grow with them (a run's
 * spec holds its compiled workflow). SQLite rewrites a whole row on every UPDATE, overflow
 * pages included, so a 150 KB spec in the row would be written again with each step's result.
 */
export const SPEC_ASIDE = '{"$part":"$spec"}';

/** The `actor_parts` key of a spec kept aside (never dropped with the snapshot's parts). */
export const SPEC_PART = '$spec';

/** True when a stored main part has markers to join (a quick look at the JSON text). */
export const hasParts = (json: string) => json.includes('"$part');

/**
 * An actor row as written, made whole: its spec taken back from `actor_parts` when it was
 * kept aside, and a split snapshot's parts joined into it. `readParts` reads the actor's
 * parts (only called when the row needs them). The one join, for the owner's Store and for
 * read-only readers alike.
 *
 * @example joinRow(row, (id) => statement.all(id))
 */
export function joinRow<R extends { readonly id: string; readonly spec?: string; readonly snapshot: string | null }>(
  row: R,
  readParts: (actor: string) => ReadonlyArray<{ key: string; value: string }>,
): R {
  const split = row.snapshot !== null && hasParts(row.snapshot);
  const aside = row.spec === SPEC_ASIDE;
  if (!split && !aside) return row;
  const rows = readParts(row.id);
  const spec = aside ? (rows.find((part) => part.key === SPEC_PART)?.value ?? row.spec) : row.spec;
  if (!split) return { ...row, spec };
  const parts = new Map(rows.filter((part) => part.key !== SPEC_PART).map((part) => [part.key, JSON.parse(part.value) as unknown]));
  return { ...row, ...(aside ? { spec } : {}), snapshot: JSON.stringify(joinParts(JSON.parse(row.snapshot!), parts)) };
}
