// OutputSink: the bounded ring and the log file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_MAX_BYTES, DEFAULT_OUTPUT_CAPACITY, FLUSH_MS, OutputSink, PENDING_LIMIT, rotatedPathOf } from '../src/actors/output/output.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

describe('OutputSink', () => {
  it('keeps only the last `capacity` bytes in memory, across wraps', () => {
    const sink = new OutputSink({ capacity: 8 });
    sink.write('abc');
    expect(sink.text()).toBe('abc');
    sink.write('defgh');
    expect(sink.text()).toBe('abcdefgh');
    sink.write('ijk');
    expect(sink.text()).toBe('defghijk');
    expect(sink.text(3)).toBe('ijk');
    sink.write('0123456789xyz'); // larger than the ring
    expect(sink.text()).toBe('6789xyz'.padStart(8, '5'));
    expect(sink.totalBytes).toBe(3 + 5 + 3 + 13);
  });

  it('rotates the log file at maxFileBytes, keeping one rotated file, so a log takes at most twice that', () => {
    const path = join(tempDir(), 'logs', 'chatty.log');
    const sink = new OutputSink({ path, maxFileBytes: 10 });
    sink.write('aaaa\n');
    sink.write('bbbb\n'); // 10 bytes: the file is full, not over
    sink.flush();
    expect(existsSync(rotatedPathOf(path))).toBe(false);
    sink.write('cccc\n'); // would go over: the full file is rotated first
    sink.flush();
    expect(readFileSync(rotatedPathOf(path), 'utf8')).toBe('aaaa\nbbbb\n');
    expect(readFileSync(path, 'utf8')).toBe('cccc\n');
    sink.write('dddd\n');
    sink.write('eeee\n'); // the previous rotated file is dropped
    sink.flush();
    expect(readFileSync(rotatedPathOf(path), 'utf8')).toBe('cccc\ndddd\n');
    expect(readFileSync(path, 'utf8')).toBe('eeee\n');
    sink.close();
    // A later run appends to the same file, counting what it already holds.
    const next = new OutputSink({ path, maxFileBytes: 10 });
    next.write('ffff\n');
    next.write('gggg\n');
    next.flush();
    expect(readFileSync(rotatedPathOf(path), 'utf8')).toBe('eeee\nffff\n');
    expect(readFileSync(path, 'utf8')).toBe('gggg\n');
    next.close();
    expect(DEFAULT_LOG_MAX_BYTES).toBe(64 * 1024 * 1024);
    expect(statSync(path).size).toBe(5);
  });

  it('rotates inside one batch before the chunk that would pass maxFileBytes', () => {
    const path = join(tempDir(), 'logs', 'batch.log');
    const sink = new OutputSink({ path, maxFileBytes: 10 });
    // Five chunks, written by one flush.
    for (const line of ['aaaa\n', 'bbbb\n', 'cccc\n', 'dddd\n', 'eeee\n']) sink.write(line);
    sink.close();
    expect(readFileSync(rotatedPathOf(path), 'utf8')).toBe('cccc\ndddd\n');
    expect(readFileSync(path, 'utf8')).toBe('eeee\n');
  });

  it('opens the log file on the first byte: a run that prints nothing leaves no file', () => {
    const path = join(tempDir(), 'logs', 'quiet.log');
    const quiet = new OutputSink({ path });
    quiet.write('');
    quiet.close();
    expect(existsSync(join(path, '..'))).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it('writes the chunks in a batch within FLUSH_MS, and at once past PENDING_LIMIT', async () => {
    const path = join(tempDir(), 'logs', 'batch-window.log');
    const sink = new OutputSink({ path });
    const flushed: number[] = [];
    sink.onFlushed(() => flushed.push(statSync(path).size));
    sink.write('prompt 0> ');
    sink.write('answer 0\r\n');
    // In the ring and with the followers at once; on disk in one write, a moment later.
    expect(existsSync(path)).toBe(false);
    expect(sink.text()).toBe('prompt 0> answer 0\r\n');
    expect(FLUSH_MS).toBe(10);
    await pollUntil(() => flushed.length === 1);
    expect(readFileSync(path, 'utf8')).toBe('prompt 0> answer 0\r\n');
    expect(flushed).toEqual([20]);
    // A burst: the chunk that takes the waiting bytes past the bound is written at once, so
    // a producer is held back by the disk, not queued in memory.
    sink.write(Buffer.alloc(PENDING_LIMIT - 1, 'x'));
    expect(statSync(path).size).toBe(20);
    sink.write('y');
    expect(statSync(path).size).toBe(20 + PENDING_LIMIT);
    expect(flushed).toEqual([20, 20 + PENDING_LIMIT]);
    sink.close();
  });

  it('writes what is waiting when the process exits before the batch\'s timer', async () => {
    const dir = tempDir();
    const path = join(dir, 'exit.log');
    const script = [
      `import { OutputSink } from ${JSON.stringify(new URL('../src/actors/output/output.ts', import.meta.url).pathname)};`,
      `const sink = new OutputSink({ path: ${JSON.stringify(path)} });`,
      "sink.write('flushed early\\n');",
      // A flush before the timer: what comes after it must still be written on exit.
      'sink.flush();',
      "sink.write('last words\\n');",
      'process.exit(3);',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe('flushed early\nlast words\n');
  });

  it('defaults to 64 KiB', () => {
    const sink = new OutputSink();
    sink.write(Buffer.alloc(100_000, 'x'));
    expect(DEFAULT_OUTPUT_CAPACITY).toBe(65_536);
    expect(sink.tail().length).toBe(65_536);
  });

  it('appends every byte to the log file, creating its folder, after earlier runs', () => {
    const path = join(tempDir(), 'logs', 'web.log');
    const first = new OutputSink({ path, capacity: 4 });
    first.write('run one\n');
    first.close();
    const second = new OutputSink({ path, capacity: 4 });
    second.write(new Uint8Array(Buffer.from('run two\n')));
    second.close();
    expect(readFileSync(path, 'utf8')).toBe('run one\nrun two\n');
    expect(second.text()).toBe('wo\n'.padStart(4, 't'));
  });

  it('ignores writes after close but stays readable', () => {
    const path = join(tempDir(), 'a.log');
    const sink = new OutputSink({ path });
    sink.write('kept');
    sink.close();
    sink.write('dropped');
    expect(sink.closed).toBe(true);
    expect(sink.text()).toBe('kept');
    expect(readFileSync(path, 'utf8')).toBe('kept');
  });

  it('tells followers about each chunk, and survives a follower that throws', () => {
    const sink = new OutputSink();
    const seen: string[] = [];
    const off = sink.subscribe((chunk) => seen.push(chunk.toString()));
    sink.subscribe(() => {
      throw new Error('broken follower');
    });
    sink.write('a');
    sink.write('b');
    off();
    sink.write('c');
    expect(seen).toEqual(['a', 'b']);
    expect(sink.text()).toBe('abc');
  });

  it('keeps the ring going when the disk is full', () => {
    const sink = new OutputSink({ path: '/dev/full' }); // every write fails with ENOSPC
    sink.write('still here');
    sink.write(' and here');
    sink.flush();
    expect((sink.error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(sink.text()).toBe('still here and here');
    sink.close();
  });
});
