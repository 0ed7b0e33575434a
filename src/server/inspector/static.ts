/**
 * The inspector's page: the files of `ui/` at the package's root, served as they are (plain
 * HTML, CSS and ES modules: no build step, nothing from a CDN, works offline). Public like
 * the login page, since they hold no state: every API call they make needs the session.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { TroupeError } from '../../runtime/errors.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** Only this page's own files and the server's own sockets: no third party can be loaded or reached. */
const POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

let found: string | undefined;

/**
 * The `ui/` folder: beside `src/` when run from the sources, beside `dist/` when built.
 *
 * @example uiDir() // '/usr/lib/node_modules/troupe/ui'
 */
export function uiDir(): string {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'ui');
    if (statSync(join(candidate, 'index.html'), { throwIfNoEntry: false })?.isFile()) return (found = candidate);
    dir = dirname(dir);
  }
  throw new TroupeError('UI_NOT_FOUND', "The inspector's files (ui/index.html) are not in this installation. Reinstall troupe: the package ships them.");
}

/**
 * Writes one file of `ui/` (`''` is index.html); UI_NOT_FOUND for a path outside it or missing.
 *
 * @example serveUiFile('views/tree.js', res)
 */
export function serveUiFile(path: string, res: ServerResponse): void {
  const root = uiDir();
  const file = resolve(root, path === '' ? 'index.html' : path);
  const stat = file.startsWith(root + sep) ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!stat?.isFile()) throw new TroupeError('UI_NOT_FOUND', `No inspector file '${path}'. The page is at /.`, { details: { path } });
  const body = readFileSync(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    // The files change only with troupe itself; revalidating keeps an upgrade from mixing versions.
    'cache-control': 'no-cache',
    'content-security-policy': POLICY,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
