/**
 * Drops the terminal's echo of a line typed before anything ran (the go line), which is
 * the first thing a gated terminal prints; everything after it passes untouched.
 */
export class EchoSkip {
  /** The part of the echo not seen yet. */
  private rest: string;

  constructor(echo: string) {
    this.rest = echo;
  }

  /**
   * `data` without whatever part of the echo it still starts with.
   *
   * @example new EchoSkip('go\r\n').strip('go\r\nhello') // 'hello'
   */
  strip(data: string): string {
    if (this.rest === '') return data;
    let seen = 0;
    while (seen < data.length && seen < this.rest.length && data[seen] === this.rest[seen]) seen += 1;
    // Anything else first (it can't be: nothing runs before the go) ends the search.
    this.rest = seen === data.length ? this.rest.slice(seen) : '';
    return data.slice(seen);
  }
}
