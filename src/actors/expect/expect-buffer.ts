/**
 * The expect engine's buffer. Appending to one long string and reading its end would copy the
 * whole string on every chunk (V8 flattens a concatenation before slicing it), so the text is
 * kept as a list of chunks: every operation costs the size of what it adds, drops or reads.
 */

/** Chunks shorter than this are merged, so text arriving a few characters at a time stays a short list. */
const MERGE_BELOW = 1024;
/** Dropped chunks at the front are compacted away once there are this many (and they are half the list). */
const COMPACT_AFTER = 64;

/**
 * A string built from chunks, cheap to grow at the end, cut at either end and read near the end.
 *
 * @example
 * const queue = new TextQueue()
 * queue.append('hello '); queue.append('world')
 * queue.slice(6, 11) // 'world'
 * queue.dropFront(6) // queue.slice(0, queue.length) === 'world'
 */
export class TextQueue {
  private chunks: string[] = [];
  /** Index of the first live chunk; the ones before it were dropped. */
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  append(text: string): void {
    if (text.length === 0) return;
    const last = this.chunks.length - 1;
    const tail = last >= this.head ? this.chunks[last]! : undefined;
    if (tail !== undefined && tail.length < MERGE_BELOW && text.length < MERGE_BELOW) this.chunks[last] = tail + text;
    else this.chunks.push(text);
    this.size += text.length;
  }

  /** The text in [start, end). Walks from the end, so reading a recent window touches few chunks. */
  slice(start: number, end: number): string {
    const from = Math.max(0, start);
    const to = Math.min(end, this.size);
    if (from >= to) return '';
    let index = this.chunks.length - 1;
    let chunkStart = this.size - this.chunks[index]!.length;
    while (chunkStart >= to) {
      index--;
      chunkStart -= this.chunks[index]!.length;
    }
    let text = this.chunks[index]!.slice(Math.max(0, from - chunkStart), to - chunkStart);
    while (chunkStart > from) {
      index--;
      const chunk = this.chunks[index]!;
      chunkStart -= chunk.length;
      text = chunk.slice(Math.max(0, from - chunkStart)) + text;
    }
    return text;
  }

  /** Removes the first `count` characters. */
  dropFront(count: number): void {
    let left = Math.min(count, this.size);
    this.size -= left;
    while (left > 0) {
      const chunk = this.chunks[this.head]!;
      if (chunk.length <= left) {
        left -= chunk.length;
        this.chunks[this.head] = ''; // let it be collected now
        this.head++;
      } else {
        this.chunks[this.head] = chunk.slice(left);
        left = 0;
      }
    }
    this.compact();
  }

  /** Keeps only the first `length` characters. */
  truncate(length: number): void {
    while (this.size > Math.max(0, length)) {
      const last = this.chunks.length - 1;
      const chunk = this.chunks[last]!;
      const excess = this.size - length;
      if (chunk.length <= excess) {
        this.chunks.pop();
        this.size -= chunk.length;
      } else {
        this.chunks[last] = chunk.slice(0, chunk.length - excess);
        this.size = length;
      }
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
