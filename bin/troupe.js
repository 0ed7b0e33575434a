#!/usr/bin/env node
// The `troupe` command. A published package ships the compiled CLI in dist/ (built by
// `prepack`), so installing troupe runs no build step of its own. A git checkout has no
// dist/ until `npm run build`: there the CLI runs from source through tsx (a dev dependency).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('../src/cli/main.ts', import.meta.url).href));
}
main(process.argv.slice(2));
