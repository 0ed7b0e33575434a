/**
 * One operation at a time per key (a repository, a file), in this process: later callers
 * wait for earlier ones instead of racing them for the same lock file or the same bytes.
 */

/** The tail of each key's queue; a key leaves the map when its last operation ends. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier `serialized` call with the same key has ended (whether it
 * succeeded or failed), and returns what `fn` returns.
 *
 * @example
 * await serialized('/srv/app/tasks/fix.md', () => rewrite(file));
 */
export async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  const tail = mine.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  try {
    return await mine;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}
