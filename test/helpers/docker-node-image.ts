/**
 * The Docker test image `troupe-test/node:2`: the busybox test image plus this machine's
 * node binary and the shared libraries `ldd` lists for it, at the same paths (node 20 is
 * linked dynamically). Built here when missing, from local files only: nothing is pulled.
 * Agent fixtures (test/fixtures/agents/*.mjs, `#!/usr/bin/env node`) run in it with the
 * repository mounted.
 */
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { ensureTestImage, TEST_IMAGE } from './docker-image.js';

/** The image with node in it. */
export const NODE_IMAGE = 'troupe-test/node:2';

/**
 * Builds `troupe-test/node:2` when the engine lacks it (and the busybox image first).
 *
 * @example beforeAll(() => ensureNodeImage(), 180_000)
 */
export async function ensureNodeImage(): Promise<void> {
  const present = await execa('docker', ['image', 'inspect', NODE_IMAGE], { reject: false });
  if (present.exitCode === 0) return;
  await ensureTestImage();
  const node = realpathSync(process.execPath);
  const { stdout } = await execa('ldd', [node]);
  // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` and `/lib64/ld-linux-x86-64.so.2 (0x...)`.
  const libraries = stdout
    .split('\n')
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  const dir = mkdtempSync(join(tmpdir(), 'troupe-node-image-'));
  try {
    for (const path of [node, ...libraries]) {
      const target = join(dir, 'rootfs', path);
      mkdirSync(dirname(target), { recursive: true });
      // The file itself, under the name the loader asks for (ldd names the links).
      copyFileSync(realpathSync(path), target);
    }
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY rootfs/ /\nRUN ["/bin/ln", "-s", "/bin/env", "/usr/bin/env"]\nCMD ["sh"]\n`);
    await execa('docker', ['build', '-q', '-t', NODE_IMAGE, dir], { env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
