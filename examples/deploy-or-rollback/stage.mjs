// Copies a release into the staging slot, where the tests run against it.
import { cpSync, existsSync, rmSync } from 'node:fs';

const release = process.argv[2];
if (!existsSync(`releases/${release}`)) {
  console.error(`no release '${release}' in releases/`);
  process.exit(1);
}
rmSync('out/staging', { recursive: true, force: true });
cpSync(`releases/${release}`, 'out/staging', { recursive: true });
console.log(`staged release ${release}`);
