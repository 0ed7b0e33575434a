// Workflow steps in containers: a `kind: container` service (readiness on its published port)
// with a dependent step that talks to it, and a command step with `mode: docker` + `image:`
// running in the step's directory. Skipped with a message outside CI when Docker is not reachable.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { compileWorkflow } from '../src/workflow/compile.js';
import { dockerOrSkip, trackDb, ensureTestImage, TEST_IMAGE, troupeLeftovers } from './helpers/docker.js';
import { tempDir } from './helpers/tmp.js';

const canRun = await dockerOrSkip('container-workflow.test.ts');

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a docker step is checked like any step', () => {
  it('needs an image with mode: docker, and an image only with it', () => {
    expect(() => compileWorkflow({ name: 'w', steps: [{ name: 's', command: 'true', mode: 'docker' }] }, { baseDir: '/tmp' })).toThrow(
      /steps\[0\]\.image: required with mode: docker; name the image to run the command in, e\.g\. image: 'node:20'/,
    );
    expect(() => compileWorkflow({ name: 'w', steps: [{ name: 's', command: 'true', image: 'x' }] }, { baseDir: '/tmp' })).toThrow(
      /steps\[0\]\.image: 'image' goes with mode: docker; add mode: docker, or use kind: container with its fields in 'with'/,
    );
  });
});

describe.skipIf(!canRun)('workflows with containers', () => {
  beforeAll(() => ensureTestImage(), 120_000);
  afterAll(async () => {
    expect(await troupeLeftovers()).toEqual([]);
  });

  it('runs a container service, a step that needs it, and a docker command step', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'index.html'), 'served from a container\n');
    const port = await freePort();
    orc = await createOrchestrator({ db: trackDb(join(dir, 'state.db')), cwd: dir, handleSignals: false });
    const result = await orc.run(
      {
        name: 'stack',
        steps: [
          {
            name: 'web',
            kind: 'container',
            service: true,
            with: { image: TEST_IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/site'], mounts: [{ source: dir, target: '/site', readonly: true }], ports: [`${String(port)}:8080`], wait_for: { port }, grace: '0s' },
          },
          {
            name: 'fetch',
            depends_on: ['web'],
            command: `node -e "fetch('http://127.0.0.1:${String(port)}/index.html').then((r) => r.text()).then((t) => process.stdout.write('got: ' + t))"`,
            outputs: { got: '^got: (.*)$' },
          },
          { name: 'inside', depends_on: ['fetch'], mode: 'docker', image: TEST_IMAGE, command: 'echo "${env.GREETING} from $(cat /etc/hostname | wc -c)" > made-inside.txt; pwd' },
        ],
      } as never,
      { id: 'stack-1', set: { GREETING: 'hello' } },
    );
    expect(result.steps.map((step) => [step.name, step.state])).toEqual([
      ['web', 'succeeded'],
      ['fetch', 'succeeded'],
      ['inside', 'succeeded'],
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.steps[1]?.outputs).toEqual({ got: 'served from a container' });
    expect(readFileSync(join(dir, 'made-inside.txt'), 'utf8')).toMatch(/^hello from \d+\n$/);
  });
});
