/**
 * The queue machine's bookkeeping of items, pure: queued items live in buckets of 64 (by
 * arrival number), so an enqueue or a start copies one small bucket and the bucket index,
 * never every queued item. The queue's snapshot is persisted bucket by bucket (its kind's
 * `split`): a change writes the bucket that changed, O(1) per operation.
 */

/** Items per bucket: small enough to copy and write per change, large enough to keep the index short. */
export const BUCKET_SIZE = 64;

/**
 * An item waiting its turn. `spec` is an actor spec of any kind, compiled when it was enqueued.
 *
 * @example { id: 'i1', spec: { kind: 'process', command: 'sleep 1' }, priority: 3, client: 'claude_code', since: 0, seq: 1 }
 */
export interface QueuedItem {
  id: string;
  spec: Record<string, unknown>;
  /** 0 (lowest) to 5 (urgent). */
  priority: number;
  client?: string;
  /** When it was enqueued. */
  since: number;
  /** Arrival number: FIFO within a priority. */
  seq: number;
}

/** An item started as the queue's child actor `<queue>/<id>`. */
export interface RunningItem extends QueuedItem {
  startedAt: number;
  /** Cancelled while running: its end reads as cancelled. */
  cancelling?: true;
}

/** Queued items by bucket key, then by id. */
export type Buckets = Readonly<Record<string, Readonly<Record<string, QueuedItem>>>>;

/** @example bucketOf(130) // 'b2' */
export const bucketOf = (seq: number) => `b${String(Math.floor(seq / BUCKET_SIZE))}`;

/** The buckets with `item` added (copies its bucket and the index only). */
export function withItem(buckets: Buckets, item: QueuedItem): Buckets {
  const key = bucketOf(item.seq);
  return { ...buckets, [key]: { ...buckets[key], [item.id]: item } };
}

/** The buckets without the item (an emptied bucket is dropped, so its part is deleted). */
export function withoutItem(buckets: Buckets, item: QueuedItem): Buckets {
  const key = bucketOf(item.seq);
  const { [item.id]: _gone, ...rest } = buckets[key] ?? {};
  if (Object.keys(rest).length > 0) return { ...buckets, [key]: rest };
  // Built without `delete`, which would turn the copy into a slow dictionary-mode object.
  const next: Record<string, Readonly<Record<string, QueuedItem>>> = {};
  for (const other in buckets) if (other !== key) next[other] = buckets[other]!;
  return next;
}

const GIVEN_ID = /^i(\d+)$/;

/**
 * The queued item with this id, if any: an id the queue gave (`i<seq>`) names its bucket;
 * another is looked for in every bucket.
 */
export function findQueued(buckets: Buckets, id: string): QueuedItem | undefined {
  const seq = GIVEN_ID.exec(id)?.[1];
  const guess = seq === undefined ? undefined : buckets[bucketOf(Number(seq))]?.[id];
  if (guess) return guess;
  for (const key in buckets) {
    const item = buckets[key]![id];
    if (item) return item;
  }
  return undefined;
}

/** True when `a` goes before `b`: higher priority first, then earlier arrival. */
export const before = (a: QueuedItem, b: QueuedItem) => a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);

/** Queued items per priority (index 0 to 5): positions without a scan. */
export type PriorityCounts = readonly number[];

/** @example countsWith([0, 0, 1, 0, 0, 0], 2, 1) // [0, 0, 2, 0, 0, 0] */
export function countsWith(counts: PriorityCounts, priority: number, delta: number): number[] {
  const next = [...counts];
  next[priority] = (next[priority] ?? 0) + delta;
  return next;
}

/** How many queued items go before any item of `priority` (those of higher ones). */
const aheadOf = (counts: PriorityCounts, priority: number) => counts.reduce((sum, count, p) => (p > priority ? sum + count : sum), 0);

/** The position of the newest item of `priority` (counted in `counts`): behind every item of its priority and above. */
export const newestPosition = (counts: PriorityCounts, priority: number) => aheadOf(counts, priority) + (counts[priority] ?? 0);

/**
 * The next item allowed to start, and its 1-based position: the earliest of the highest
 * priority whose client is under its cap. Buckets are numbered by arrival and items sit in
 * them in arrival order, so the earliest of a priority is the first met, looking from
 * `heads[priority]` (no queued item of that priority arrived before it) onwards: a start
 * looks at the few items after the last start of its priority, not every queued one (unless
 * `allowed` turns many down). `first` says the item was the earliest of its priority, so
 * its head may move past it.
 *
 * @example nextItem(buckets, counts, heads, context.seq, (item) => item.client !== 'busy')
 */
export function nextItem(buckets: Buckets, counts: PriorityCounts, heads: readonly number[], lastSeq: number, allowed: (item: QueuedItem) => boolean): { item: QueuedItem; position: number; first: boolean } | undefined {
  const lastBucket = Math.floor(lastSeq / BUCKET_SIZE);
  for (let priority = counts.length - 1; priority >= 0; priority--) {
    if (!counts[priority]) continue;
    const head = heads[priority] ?? 0;
    let skipped = 0;
    for (let b = Math.floor(head / BUCKET_SIZE); b <= lastBucket; b++) {
      const bucket = buckets[`b${String(b)}`];
      if (!bucket) continue;
      for (const id in bucket) {
        const item = bucket[id]!;
        if (item.priority !== priority || item.seq < head) continue;
        if (allowed(item)) return { item, position: aheadOf(counts, priority) + skipped + 1, first: skipped === 0 };
        skipped += 1;
      }
    }
  }
  return undefined;
}

/** @example headsAfter([1, 1, 1, 1, 1, 1], 5, 40) // [1, 1, 1, 1, 1, 41] */
export function headsAfter(heads: readonly number[], priority: number, seq: number): number[] {
  const next = [...heads];
  next[priority] = seq + 1;
  return next;
}

/** Every queued item in order (what `status()` lists). */
export function inOrder(buckets: Buckets): QueuedItem[] {
  const items: QueuedItem[] = [];
  for (const bucket of Object.values(buckets)) items.push(...Object.values(bucket));
  return items.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}

/** The 1-based position `item` would have among the queued items. */
export function positionOf(buckets: Buckets, item: QueuedItem): number {
  let ahead = 0;
  for (const bucket of Object.values(buckets)) {
    for (const other of Object.values(bucket)) if (other !== item && before(other, item)) ahead += 1;
  }
  return ahead + 1;
}
