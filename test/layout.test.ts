// The layout rules of ARCHITECTURE.md, checked: the runtime names no kind (a kind is a unit,
// registered through src/kinds.ts), and machines stay pure (no I/O imports).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/**
 * Names the runtime may say, and why. Schema v1's `handles` rows were all process groups
 * (of process actors and pty shells, both reconciled alike), so migration 2 files them under
 * the process kind: history, not a rule about kinds.
 */
// Names that are not the kind: schema.ts's 'process' is a migration's old journal type;
// memory-access.ts's 'team' is the spec field any actor may set to share memory (and a column).
const ALLOWED = new Set(["runtime/schema.ts: 'process'", "runtime/memory-access.ts: 'team'"]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'([^']+)'/g)].map((match) => match[1]!);
}

/** The code without comments, so prose ("a process group") is not taken for a name. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** `src/actors/<x>/` folders holding a `kind.ts`: kind units, built-in or future. */
function kindFolders(): string[] {
  const actors = join(SRC, 'actors');
  return readdirSync(actors, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(actors, entry.name, 'kind.ts')))
    .map((entry) => join(actors, entry.name));
}

describe('layout', () => {
  it('finds the built-in kind folders', () => {
    expect(kindFolders().map((dir) => relative(SRC, dir)).sort()).toEqual(['actors/agent', 'actors/container', 'actors/process', 'actors/queue', 'actors/schedule', 'actors/shell', 'actors/team', 'actors/workflow']);
  });

  it('src/runtime/ imports from no kind folder', () => {
    const folders = kindFolders();
    const offending = filesUnder(join(SRC, 'runtime')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolve(dirname(file), spec))
        .filter((target) => folders.some((folder) => target.startsWith(`${folder}/`)))
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
    expect(offending).toEqual([]);
  });

  it('src/runtime/ names no built-in kind', () => {
    // Every kind unit there is (process, shell, workflow, schedule, queue, and those to come).
    const builtin = kindFolders().map((dir) => basename(dir));
    const capitalized = builtin.map((name) => name[0]!.toUpperCase() + name.slice(1));
    const literal = new RegExp(`(['"\`])(?:${builtin.join('|')})\\1`, 'g');
    const identifier = new RegExp(`\\b(?:${capitalized.join('|')})[A-Z]\\w*|\\b(?:${builtin.join('|')})(?:Kind|Handle|Spec|Input|Machine|Runs?)\\b`, 'g');
    const offending = filesUnder(join(SRC, 'runtime')).flatMap((file) => {
      const text = code(readFileSync(file, 'utf8'));
      return [...(text.match(literal) ?? []), ...(text.match(identifier) ?? [])].map((name) => `${relative(SRC, file)}: ${name}`);
    }).filter((found) => !ALLOWED.has(found));
    expect(offending).toEqual([]);
  });

  it('src/machines/ imports no I/O', () => {
    const io = /^(?:node:)?(?:fs|fs\/promises|child_process)$|^(?:node-pty|execa|dockerode|better-sqlite3)(?:\/|$)/;
    const offending = filesUnder(join(SRC, 'machines')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => io.test(spec))
        .map((spec) => `${relative(SRC, file)}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('the rules catch what they are meant to catch', () => {
    expect(importsOf("import { x } from '../actors/shell/kind.js';\nexport { y } from './z.js';\nawait import('./w.js');")).toEqual(['../actors/shell/kind.js', './z.js', './w.js']);
    expect(code("const a = 1; // the 'shell' kind\n/* ShellHandle */ const b = 'x';")).not.toMatch(/shell|Shell/);
  });
});
