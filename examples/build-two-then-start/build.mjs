// The two "builds": `node build.mjs frontend` inlines the app script into the page;
// `node build.mjs backend` syntax-checks the server and copies it. Both write to out/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const part = process.argv[2];
const out = join('out', part);
mkdirSync(out, { recursive: true });
if (part === 'frontend') {
  const page = readFileSync('frontend/index.html', 'utf8');
  const app = readFileSync('frontend/app.js', 'utf8');
  const script = `<script>window.BACKEND_PORT = ${Number(process.env.BACKEND_PORT)};\n${app}</script>`;
  writeFileSync(join(out, 'index.html'), page.replace('<!-- app -->', script));
  console.log(`built ${join(out, 'index.html')}`);
} else if (part === 'backend') {
  execFileSync(process.execPath, ['--check', 'backend/server.mjs']);
  copyFileSync('backend/server.mjs', join(out, 'server.mjs'));
  console.log(`built ${join(out, 'server.mjs')}`);
} else {
  console.error(`usage: node build.mjs frontend|backend (got ${part})`);
  process.exit(2);
}
