import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../src/actors/team/detect.js';
import { listTemplates, loadTemplate } from '../src/actors/team/template.js';
import { thrown } from './helpers/thrown.js';
import { tempDir } from './helpers/tmp.js';

function files(root: string, entries: Record<string, string>): string {
  for (const [path, text] of Object.entries(entries)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('team templates', () => {
  it('ships base, code_project, data_pipeline and system_deployment, merged through inherits', () => {
    expect(listTemplates()).toEqual(['base', 'code_project', 'data_pipeline', 'system_deployment']);
    const code = loadTemplate('code_project');
    expect(code.chain).toEqual(['code_project', 'base']);
    expect(Object.keys(code.roles).sort()).toEqual(['developer', 'orchestrator', 'project_manager', 'tester', 'testrunner']);
    expect(code.roles['testrunner']).toMatchObject({ type: 'specialist', safety: 1, worktree: true, driver: 'claude' });
    expect(code.roles['project_manager']).toMatchObject({ type: 'primary', worktree: false, checkin: '15m' });
    expect(Object.keys(loadTemplate('system_deployment').roles).sort()).toEqual(['devops', 'orchestrator', 'project_manager', 'securityops', 'sysadmin']);
  });

  it("takes the project's own templates first: fields override the base's, null drops a role", () => {
    const project = files(tempDir(), {
      'templates/web.yaml': 'inherits: code_project\nroles:\n  developer:\n    driver: codex\n    capabilities: [react]\n  testrunner: null\n  designer:\n    prompt: Design {project}\n    type: specialist\n',
    });
    const web = loadTemplate('web', { project });
    expect(web.chain).toEqual(['web', 'code_project', 'base']);
    expect(web.roles['developer']).toMatchObject({ driver: 'codex', capabilities: ['react'], type: 'worker' });
    expect(web.roles['developer']?.prompt).toContain('You are a developer on {project}');
    expect(web.roles['testrunner']).toBeUndefined();
    expect(web.roles['designer']).toMatchObject({ type: 'specialist', driver: 'claude', worktree: true });
    expect(listTemplates(project)).toContain('web');
  });

  it('refuses a cycle, a missing base, a role without a prompt, naming the chain', () => {
    const project = files(tempDir(), {
      'templates/a.yaml': 'inherits: b\n',
      'templates/b.yaml': 'inherits: a\n',
      'templates/c.yaml': 'inherits: nowhere\n',
      'templates/d.yaml': 'roles:\n  solo:\n    type: worker\n',
    });
    const cycle = thrown(() => loadTemplate('a', { project }));
    
    expect(cycle.code).toBe('TEMPLATE_CYCLE');
    expect(cycle.message).toBe("Team template inheritance loops: a -> b -> a. Remove one of these 'inherits:'.");
    const missing = thrown(() => loadTemplate('c', { project }));
    expect(missing.code).toBe('TEMPLATE_NOT_FOUND');
    expect(missing.message).toBe(
      "No team template 'nowhere' (inherited by c). Templates here: a, b, base, c, code_project, d, data_pipeline, system_deployment; add templates/nowhere.yaml to the project or pick one of these.",
    );
    const invalid = thrown(() => loadTemplate('d', { project }));
    expect(invalid.code).toBe('TEMPLATE_INVALID');
    expect(invalid.message).toMatch(/^Team template 'd' \(d\): role 'solo': prompt: /);
  });

  it('refuses a chain deeper than 8', () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 10; i++) entries[`templates/t${i}.yaml`] = `inherits: t${i + 1}\n`;
    const project = files(tempDir(), entries);
    const deep = thrown(() => loadTemplate('t0', { project }));
    expect(deep.code).toBe('TEMPLATE_TOO_DEEP');
    expect(deep.message).toBe("Team template 't0' inherits through more than 8 templates: t0 -> t1 -> t2 -> t3 -> t4 -> t5 -> t6 -> t7 -> ... Flatten the chain.");
  });
});

describe('project detection', () => {
  it('tells code, data and infrastructure apart, skipping vendored trees', () => {
    const code = files(tempDir(), { 'package.json': '{}', 'src/a.ts': '', 'src/b.ts': '', 'README.md': '' });
    for (let i = 0; i < 30; i++) files(code, { [`node_modules/x/data${i}.csv`]: '' , [`.git/objects/f${i}.tf`]: '' });
    expect(detectProject(code)).toMatchObject({ template: 'code_project', fallback: false, scores: { code_project: 7, data_pipeline: 0, system_deployment: 0 } });

    const data = files(tempDir(), { 'dbt_project.yml': '', 'models/orders.sql': '', 'data/a.csv': '', 'data/b.parquet': '', 'etl.py': '' });
    expect(detectProject(data)).toMatchObject({ template: 'data_pipeline', fallback: false });

    const infra = files(tempDir(), { 'main.tf': '', 'variables.tf': '', 'ansible.cfg': '', 'playbooks/site.yml': '', 'scripts/x.py': '' });
    expect(detectProject(infra)).toMatchObject({ template: 'system_deployment', fallback: false });
  });

  it('falls back when nothing scores', () => {
    const empty = files(tempDir(), { 'notes.txt': '', 'node_modules/a/index.js': '' });
    expect(detectProject(empty)).toMatchObject({ template: 'base', fallback: true, scores: { code_project: 0, data_pipeline: 0, system_deployment: 0 } });
    expect(detectProject(empty, { fallback: 'code_project' }).template).toBe('code_project');
  });
});
