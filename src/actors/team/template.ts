/**
 * Loading team templates: `<project>/templates/<name>.yaml` first, then troupe's built-ins
 * (`templates/` at the package root), `inherits:` resolved base first with the roles merged
 * field by field. The chain is depth-limited; a cycle or a missing base names the chain.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { roleSchema, templateFileSchema, type TeamRole, type TeamTemplate } from './template-schema.js';

/** How many templates one chain may hold: deep enough for any real hierarchy, short of a mistake. */
export const MAX_TEMPLATE_DEPTH = 8;

/** troupe's own templates, shipped in the package (`templates/` next to `src/` and `dist/`). */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

/** Where a template is looked for: the project's own `templates/`, then the built-ins. */
function candidates(name: string, project: string | undefined): string[] {
  const dirs = project === undefined ? [BUILTIN_TEMPLATES_DIR] : [join(resolve(project), 'templates'), BUILTIN_TEMPLATES_DIR];
  return dirs.flatMap((dir) => [join(dir, `${name}.yaml`), join(dir, `${name}.yml`)]);
}

/** Reads one template file, checked. */
function readTemplate(name: string, project: string | undefined, chain: readonly string[]) {
  const file = candidates(name, project).find((path) => existsSync(path));
  if (file === undefined) {
    const via = chain.length > 0 ? ` (inherited by ${[...chain].reverse().join(' <- ')})` : '';
    throw new TroupeError('TEMPLATE_NOT_FOUND', `No team template '${name}'${via}. Templates here: ${listTemplates(project).join(', ') || 'none'}; add templates/${name}.yaml to the project or pick one of these.`, {
      details: { name, chain: [...chain, name] },
    });
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TroupeError('TEMPLATE_INVALID', `Team template ${file} is not YAML: ${describeError(err)}. Fix the file.`, { details: { file }, cause: err });
  }
  const parsed = templateFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TroupeError('TEMPLATE_INVALID', `Team template ${file}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}. Fix the file.`, { details: { file } });
  }
  return { file, template: parsed.data };
}

/**
 * Resolves a template by name (the project's first, then the built-ins), its `inherits:` chain
 * merged: a role of the derived template overrides the base's fields it names; `null` drops it.
 *
 * @example
 * loadTemplate('code_project', { project: '/srv/shop' }).roles.developer.capabilities // ['code', 'git']
 */
export function loadTemplate(name: string, options: { readonly project?: string } = {}): TeamTemplate {
  const chain: string[] = [];
  const files: ReturnType<typeof readTemplate>['template'][] = [];
  let next: string | undefined = name;
  while (next !== undefined) {
    if (chain.includes(next)) {
      throw new TroupeError('TEMPLATE_CYCLE', `Team template inheritance loops: ${[...chain, next].join(' -> ')}. Remove one of these 'inherits:'.`, { details: { chain: [...chain, next] } });
    }
    if (chain.length >= MAX_TEMPLATE_DEPTH) {
      throw new TroupeError('TEMPLATE_TOO_DEEP', `Team template '${name}' inherits through more than ${MAX_TEMPLATE_DEPTH} templates: ${chain.join(' -> ')} -> ... Flatten the chain.`, { details: { chain } });
    }
    const { template } = readTemplate(next, options.project, chain);
    chain.push(next);
    files.push(template);
    next = template.inherits;
  }
  const merged: Record<string, Record<string, unknown>> = {};
  // Base first, so each derived template's fields land on top.
  for (const file of [...files].reverse()) {
    for (const [role, patch] of Object.entries(file.roles)) {
      if (patch === null) delete merged[role];
      else merged[role] = { ...merged[role], ...definedOnly(patch) };
    }
  }
  const roles: Record<string, TeamRole> = {};
  for (const [role, fields] of Object.entries(merged)) {
    const parsed = roleSchema.safeParse(fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TroupeError('TEMPLATE_INVALID', `Team template '${name}' (${chain.join(' -> ')}): role '${role}': ${issue?.path.join('.') || '(role)'}: ${issue?.message ?? 'invalid'}. Give it in the template or its base.`, { details: { chain, role } });
    }
    roles[role] = parsed.data;
  }
  const first = files[0];
  const integration = files.find((file) => file.integration !== undefined)?.integration;
  return { name, chain, roles, ...(first?.description !== undefined ? { description: first.description } : {}), ...(integration !== undefined ? { integration } : {}) };
}

/** A partial role's given fields only (zod's `.partial()` keeps defaults out, but be explicit about undefined). */
function definedOnly(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

/**
 * The template names a project can use: its own `templates/` and the built-ins, sorted.
 *
 * @example listTemplates('/srv/shop') // ['base', 'code_project', 'data_pipeline', 'system_deployment']
 */
export function listTemplates(project?: string): string[] {
  const dirs = project === undefined ? [BUILTIN_TEMPLATES_DIR] : [join(resolve(project), 'templates'), BUILTIN_TEMPLATES_DIR];
  const names = new Set<string>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) if (/\.ya?ml$/.test(entry)) names.add(basename(entry).replace(/\.ya?ml$/, ''));
  }
  return [...names].sort();
}
