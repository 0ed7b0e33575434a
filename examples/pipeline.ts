/**
 * A release pipeline in TypeScript: the same steps a YAML file would hold, with outputs
 * passed from stage to stage. `version` prints `version=1.4.0`; `build` packs the app
 * under that version and prints the artifact's path and checksum; `verify` checks both.
 *
 *   node --import tsx examples/pipeline.ts         # on ./.troupe/state.db (or TROUPE_DB)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrchestrator, defineWorkflow } from '../src/index.js';

const here = fileURLToPath(new URL('./pipeline/', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'troupe-pipeline-'));

const pipeline = defineWorkflow({
  name: 'pipeline',
  env: { OUT_DIR: outDir },
  steps: [
    { name: 'version', cwd: here, command: 'node version.mjs', outputs: { version: 'version=(\\S+)' } },
    {
      name: 'build',
      depends_on: ['version'],
      cwd: here,
      command: 'node build.mjs ${steps.version.outputs.version} "$OUT_DIR"',
      outputs: { artifact: 'artifact=(\\S+)', sha256: 'sha256=([0-9a-f]{64})' },
    },
    {
      name: 'verify',
      depends_on: ['build'],
      cwd: here,
      command: 'node verify.mjs ${steps.build.outputs.artifact} ${steps.build.outputs.sha256} ${steps.version.outputs.version}',
    },
  ],
});

const orc = await createOrchestrator();
try {
  const result = await orc.run(pipeline);
  for (const step of result.steps) {
    const outputs = Object.entries(step.outputs).map(([key, value]) => `${key}=${value}`);
    console.log(`${step.name.padEnd(8)} ${step.state.padEnd(10)} ${outputs.join(' ')}`.trimEnd());
  }
  console.log(`run ${result.id}: ${result.status}`);
  process.exitCode = result.status === 'succeeded' ? 0 : 1;
} finally {
  await orc.close();
  // The artifact was only there to be verified: leave nothing behind.
  rmSync(outDir, { recursive: true, force: true });
}
