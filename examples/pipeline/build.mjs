// Stage 2: packs the app's files into one gzipped bundle named after the version, and
// prints where it is and its checksum for the next stage.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const [version, outDir] = process.argv.slice(2);
const files = Object.fromEntries(readdirSync('app').sort().map((name) => [name, readFileSync(join('app', name), 'utf8')]));
const bundle = gzipSync(JSON.stringify({ version, files }));
const artifact = join(outDir, `app-${version}.json.gz`);
writeFileSync(artifact, bundle);
console.log(`packed ${Object.keys(files).length} files`);
console.log(`artifact=${artifact}`);
console.log(`sha256=${createHash('sha256').update(bundle).digest('hex')}`);
