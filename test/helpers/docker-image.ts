/**
 * The Docker test image `troupe-test/busybox:1` (built when missing: FROM scratch plus Debian's
 * busybox-static, nothing pulled) and whether an engine answers. No vitest here: the container
 * benchmark uses it too.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** The image every Docker test runs. */
export const TEST_IMAGE = 'troupe-test/busybox:1';

const BUSYBOX = '/bin/busybox';

/** True when `docker info` answers (the CLI is there and an engine runs). */
export async function dockerAvailable(): Promise<boolean> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 });
  return result.exitCode === 0;
}

/**
 * Builds the test image when the engine lacks it: FROM scratch, Debian's static busybox, its
 * applets installed by an exec-form RUN (no shell in the image yet), no `# syntax` line (nothing
 * can be pulled).
 *
 * @example beforeAll(() => ensureTestImage(), 120_000)
 */
export async function ensureTestImage(): Promise<void> {
  const present = await execa('docker', ['image', 'inspect', TEST_IMAGE], { reject: false });
  if (present.exitCode === 0) return;
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install busybox-static (apt-get install busybox-static) to build ${TEST_IMAGE}.`);
  const dir = mkdtempSync(join(tmpdir(), 'troupe-image-'));
  try {
    copyFileSync(BUSYBOX, join(dir, 'busybox'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nCMD ["sh"]\n');
    await execa('docker', ['build', '-q', '-t', TEST_IMAGE, dir], { env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
