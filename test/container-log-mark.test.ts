// A container's log mark (.docker-since) against its batched log: never ahead of the file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followLogStream, readLogMark } from '../src/actors/container/logs.js';
import { OutputSink } from '../src/actors/output/output.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

/** One frame of Docker's multiplexed stream: stdout, with a timestamp. */
function frame(stamp: string, text: string): Buffer {
  const payload = Buffer.from(`${stamp} ${text}`);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('followLogStream and the batched log', () => {
  it('writes the mark only once the lines are in the log file, and the rest on stop', async () => {
    const logsDir = tempDir();
    const path = join(logsDir, 'db.log');
    const sink = new OutputSink({ path });
    const stream = new PassThrough();
    // What a kill -9 right after each line was followed would find: the file and the mark.
    const atWrite: Array<[boolean, string | undefined]> = [];
    const write = (chunk: Buffer) => {
      sink.write(chunk);
      atWrite.push([existsSync(path), readLogMark(logsDir, 'db')]);
    };
    const follower = followLogStream(stream, { logsDir, actorId: 'db', mark: undefined, tty: false, write, log: sink });
    stream.write(frame('2026-11-29T08:00:01.5Z', 'one\n'));
    await pollUntil(() => readLogMark(logsDir, 'db'));
    // Followed, not yet on disk: no mark past the file.
    expect(atWrite).toEqual([[false, undefined]]);
    expect(readFileSync(path, 'utf8')).toBe('one\n');
    expect(readLogMark(logsDir, 'db')).toBe('2026-11-29T08:00:01.500000000');
    stream.write(frame('2026-11-29T08:00:02Z', 'two\n'));
    await pollUntil(() => sink.totalBytes === 8);
    follower.stop();
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n');
    expect(readLogMark(logsDir, 'db')).toBe('2026-11-29T08:00:02.000000000');
    sink.close();
  });
});
