/**
 * The stream's type filter: comma-separated globs (`actor.*,output`), `*` any run of
 * characters and `?` one, as `orc.events` takes them.
 */

/**
 * A test for types. Without globs: every type but `inspect.*` (ask for those by name: they
 * are many).
 *
 * @example globsMatcher('actor.*,output')('actor.state') // true
 */
export function globsMatcher(globs: string | undefined): (type: string) => boolean {
  if (globs === undefined) return (type) => !type.startsWith('inspect.');
  const regexes = globs
    .split(',')
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '')
    .map((glob) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's'));
  return (type) => regexes.some((regex) => regex.test(type));
}
