/**
 * Docker for tests: whether an engine answers, the test image `troupe-test/busybox:1` (built
 * here when missing: FROM scratch plus Debian's busybox-static, nothing pulled), and the check
 * that no container or service labelled by troupe is left after a suite.
 */
import { execa } from 'execa';
import { dbLabel } from '../../src/actors/container/client.js';
import { dockerAvailable } from './docker-image.js';
import { tempDb } from './tmp.js';

export { dockerAvailable, ensureTestImage, TEST_IMAGE } from './docker-image.js';

/** The `troupe.db` labels of the databases this test file used (`dockerDb`, `trackDb`). */
const usedLabels = new Set<string>();

/**
 * Notes a database whose containers `troupeLeftovers` checks, and returns it.
 *
 * @example orc = await createOrchestrator({ db: trackDb(join(dir, 'state.db')) })
 */
export function trackDb(db: string): string {
  usedLabels.add(dbLabel(db));
  return db;
}

/** A fresh database (tempDb) whose containers `troupeLeftovers` checks. */
export function dockerDb(): string {
  return trackDb(tempDb());
}

/**
 * Containers (all states) and services labelled for the databases this file used: other
 * files' containers, running at the same time in another worker, are theirs to check.
 */
export async function troupeLeftovers(): Promise<string[]> {
  const format = ['--format', '{{.ID}} {{.Names}} {{.Label "troupe.db"}}'];
  const containers = await execa('docker', ['ps', '-a', '--filter', 'label=troupe.db', ...format], { reject: false });
  // Fails on an engine that is no swarm manager: it has no services.
  const serviceIds = await execa('docker', ['service', 'ls', '-q', '--filter', 'label=troupe.db'], { reject: false });
  const ids = serviceIds.exitCode === 0 ? String(serviceIds.stdout).split('\n').filter((id) => id.trim() !== '') : [];
  const services = ids.length === 0 ? { stdout: '' } : await execa('docker', ['service', 'inspect', '--format', '{{.ID}} {{.Spec.Name}} {{index .Spec.Labels "troupe.db"}}', ...ids], { reject: false });
  const lines = (text: unknown) => String(text ?? '').split('\n').filter((line) => usedLabels.has(line.trim().split(' ').pop() ?? ''));
  return [...lines(containers.stdout), ...lines(services.stdout)];
}

/** Whether the test can use Docker; prints why it is skipped outside CI. */
export async function dockerOrSkip(file: string): Promise<boolean> {
  const ok = await dockerAvailable();
  if (!ok && !process.env['CI']) console.warn(`${file} skipped: Docker is not reachable (docker info failed). Install docker.io and start dockerd to include it.`);
  return ok || Boolean(process.env['CI']);
}
