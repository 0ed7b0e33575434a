// `openExecStream`: `docker exec -i` without a TTY, the way a headless agent CLI runs in a
// container: stdin written line by line and closed, stdout and stderr apart, the exit code.
// The fake claude CLI runs inside the node test image (node copied in with its libraries).
// Skipped with a message outside CI when Docker is not reachable.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openExecStream } from '../src/actors/container/exec.js';
import { fakeBin, runsOf, scenario } from './helpers/agents.js';
import { ROOT } from './helpers/cli.js';
import { dockerOrSkip } from './helpers/docker.js';
import { ensureNodeImage, NODE_IMAGE } from './helpers/docker-node-image.js';
import { tempDir } from './helpers/tmp.js';

const canRun = await dockerOrSkip('container-exec-stream.test.ts');
const started: string[] = [];

/** Reads a stream to its end, as text. */
async function textOf(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** A container of the node image with `mounts` at the same paths, sleeping until removed. */
async function box(mounts: readonly string[]): Promise<string> {
  const volumes = mounts.flatMap((path) => ['-v', `${path}:${path}`]);
  const { stdout } = await execa('docker', ['run', '-d', '--rm', '--label', 'troupe-test=exec-stream', ...volumes, NODE_IMAGE, 'sleep', '600']);
  const id = stdout.trim();
  started.push(id);
  return id;
}

describe.skipIf(!canRun)('openExecStream', () => {
  beforeAll(() => ensureNodeImage(), 180_000);
  afterAll(async () => {
    if (started.length > 0) await execa('docker', ['rm', '-f', ...started], { reject: false });
  });

  it('writes stdin, reads stdout and stderr apart, and gives the exit code', async () => {
    const id = await box([]);
    const run = await openExecStream(id, ['sh', '-c', 'while read -r line; do echo "out:$line"; echo "err:$line" >&2; done; exit 3']);
    const out = textOf(run.stdout);
    const err = textOf(run.stderr);
    run.stdin.write('one\n');
    run.stdin.write('two\n');
    run.stdin.end();
    expect(await out).toBe('out:one\nout:two\n');
    expect(await err).toBe('err:one\nerr:two\n');
    expect(await run.exited).toBe(3);
  });

  it("runs the fake claude CLI inside the container: stream-json in on stdin, its event lines out", async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 'in-box', fresh: [[{ say: 'hello from the box' }]] });
    // The repository (the fixture) and its node_modules (a link to the shared install) at the same paths.
    const id = await box([ROOT, realpathSync(join(ROOT, 'node_modules')), dir]);
    const run = await openExecStream(id, ['node', fakeBin.claude, '-p', '--output-format', 'stream-json', '--input-format', 'stream-json', '--verbose'], { env, workdir: dir });
    const out = textOf(run.stdout);
    run.stdin.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'Say hello' }] } })}\n`);
    run.stdin.end();
    const lines = (await out).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string; subtype?: string; session_id?: string });
    expect(lines.map((line) => [line.type, line.subtype ?? null])).toEqual([
      ['system', 'init'],
      ['assistant', null],
      ['result', 'success'],
    ]);
    expect(lines[0]!.session_id).toBe('in-box');
    expect(await run.exited).toBe(0);
    expect(runsOf(log).some((r) => r['argv'])).toBe(true);
  });
});
