// Stage 3: checks the bundle against the checksum the build printed, and its version.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const [artifact, sha256, version] = process.argv.slice(2);
const bundle = readFileSync(artifact);
const actual = createHash('sha256').update(bundle).digest('hex');
if (actual !== sha256) throw new Error(`checksum mismatch: ${actual} != ${sha256}`);
const packed = JSON.parse(gunzipSync(bundle).toString('utf8'));
if (packed.version !== version) throw new Error(`bundle says version ${packed.version}, expected ${version}`);
console.log(`verified ${artifact}: version ${version}, ${Object.keys(packed.files).length} files`);
