/**
 * Builds troupe's native launcher (native/spawn) at install, with the node-gyp npm ships.
 * A failed build is not an install failure: processes then start through execa (the slower
 * path) and `troupe ps` says so. Run by the `install` lifecycle script (npm ci / npm install).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const directory = join(root, 'native', 'spawn');
// npm tells scripts where its node-gyp is; else the one bundled with npm next to node; else PATH.
const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
const command = gyp ? process.execPath : 'node-gyp';
const args = [...(gyp ? [gyp] : []), 'rebuild', `--directory=${directory}`];
// Headers installed next to node (/usr/bin/node -> /usr/include/node): no download needed.
const prefix = join(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
const result = process.platform === 'linux' ? spawnSync(command, args, { stdio: 'inherit' }) : { status: 1, error: new Error('the native launcher is for Linux') };
if (result.status !== 0) {
  const why = result.error ? result.error.message : `node-gyp exited with ${String(result.status)}`;
  console.warn(`troupe: the native launcher was not built (${why}); processes start through execa instead.`);
}
