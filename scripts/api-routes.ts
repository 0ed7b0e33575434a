/**
 * The README's table of API routes, generated from the operation table: `npm run api-routes`
 * prints it, and test/api.test.ts checks the README holds it as printed.
 */
import { operations } from '../src/server/operations/index.js';
import { permissionOf } from '../src/server/permissions.js';

/**
 * @example console.log(routesTable())
 */
export function routesTable(): string {
  const rows = ['| route | operation | MCP tool | permission | what it does |', '| --- | --- | --- | --- | --- |'];
  for (const op of operations) {
    if (!op.http) continue;
    rows.push(`| \`${op.http.method} ${op.http.path}\` | \`${op.name}\` | ${op.mcp ? `\`${op.mcp}\`` : '—'} | \`${permissionOf(op)}\` | ${op.summary.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

if (process.argv[1] === import.meta.filename) console.log(routesTable());
