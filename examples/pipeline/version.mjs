// Stage 1: the version to build, from the app's package.json.
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('app/package.json', 'utf8'));
console.log(`version=${version}`);
