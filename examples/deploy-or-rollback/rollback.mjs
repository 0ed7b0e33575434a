// Throws the staged release away; whatever was live stays live.
import { existsSync, rmSync } from 'node:fs';

rmSync('out/staging', { recursive: true, force: true });
const live = existsSync('out/live') ? 'the previous release stays live' : 'nothing was live yet';
console.log(`rolled back release ${process.argv[2]}: ${live}`);
