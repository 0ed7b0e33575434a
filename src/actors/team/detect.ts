/**
 * Project type detection: scores a directory's files for each built-in template (source code,
 * data and pipelines, infrastructure) and picks the best, falling back to `base` when nothing
 * scores. Vendored and generated trees (.git, node_modules, ...) are skipped, and the walk is
 * bounded so a huge tree answers quickly.
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

/** Trees that say nothing about the project's own type. */
const SKIPPED = new Set(['.git', 'node_modules', 'vendor', 'third_party', 'dist', 'build', 'target', '.venv', 'venv', '__pycache__', '.troupe', '.terraform', '.tox', '.mypy_cache', '.next', 'coverage', 'bower_components']);

/** How many entries the walk looks at, at most. */
export const DETECT_MAX_ENTRIES = 20_000;

const CODE_EXT = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.go', '.rs', '.java', '.kt', '.c', '.h', '.cc', '.cpp', '.hpp', '.cs', '.rb', '.php', '.swift', '.scala', '.py']);
const CODE_FILES = new Set(['package.json', 'Cargo.toml', 'go.mod', 'pom.xml', 'build.gradle', 'Gemfile', 'setup.py', 'CMakeLists.txt', 'Makefile']);
const DATA_EXT = new Set(['.csv', '.tsv', '.parquet', '.jsonl', '.ndjson', '.avro', '.orc', '.ipynb', '.sql', '.feather']);
const DATA_FILES = new Set(['dbt_project.yml', 'airflow.cfg', 'dvc.yaml', 'MLproject', 'kedro.yml', 'prefect.yaml', 'dagster.yaml']);
const DATA_DIRS = new Set(['dags', 'pipelines', 'notebooks', 'models']);
const DEPLOY_EXT = new Set(['.tf', '.tfvars', '.hcl']);
const DEPLOY_FILES = new Set(['ansible.cfg', 'Chart.yaml', 'helmfile.yaml', 'inventory', 'inventory.ini', 'hosts.ini', 'Vagrantfile', 'terragrunt.hcl', 'playbook.yml', 'site.yml']);
const DEPLOY_DIRS = new Set(['playbooks', 'roles', 'terraform', 'ansible', 'k8s', 'helm', 'manifests']);

/** A manifest or marker file weighs more than one source file. */
const MARKER = 5;

/**
 * The detection's answer: the template picked, each template's score, and whether it fell back.
 *
 * @example { template: 'code_project', scores: { code_project: 14, data_pipeline: 0, system_deployment: 0 }, fallback: false, scanned: 9 }
 */
export interface Detection {
  readonly template: string;
  readonly scores: Readonly<Record<'code_project' | 'data_pipeline' | 'system_deployment', number>>;
  readonly fallback: boolean;
  /** Entries looked at. */
  readonly scanned: number;
}

/**
 * Scores `dir` and picks a template: the highest score wins (ties go to code, then data),
 * `fallback` (default `base`) when nothing scores.
 *
 * @example
 * detectProject('/srv/infra').template // 'system_deployment'
 */
export function detectProject(dir: string, options: { readonly fallback?: string } = {}): Detection {
  const scores = { code_project: 0, data_pipeline: 0, system_deployment: 0 };
  let scanned = 0;
  const pending = [dir];
  while (pending.length > 0 && scanned < DETECT_MAX_ENTRIES) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue; // unreadable: it says nothing either way
    }
    for (const entry of entries) {
      if (++scanned > DETECT_MAX_ENTRIES) break;
      if (entry.isDirectory()) {
        if (SKIPPED.has(entry.name)) continue;
        if (DATA_DIRS.has(entry.name)) scores.data_pipeline += MARKER;
        if (DEPLOY_DIRS.has(entry.name)) scores.system_deployment += MARKER;
        pending.push(join(current, entry.name));
        continue;
      }
      const ext = extname(entry.name);
      if (CODE_EXT.has(ext)) scores.code_project += 1;
      if (CODE_FILES.has(entry.name)) scores.code_project += MARKER;
      if (DATA_EXT.has(ext)) scores.data_pipeline += 1;
      if (DATA_FILES.has(entry.name)) scores.data_pipeline += MARKER * 2;
      if (DEPLOY_EXT.has(ext)) scores.system_deployment += 2;
      if (DEPLOY_FILES.has(entry.name)) scores.system_deployment += MARKER;
    }
  }
  const ranked = (Object.entries(scores) as [keyof typeof scores, number][]).sort((a, b) => b[1] - a[1]);
  const [best, score] = ranked[0]!;
  if (score === 0) return { template: options.fallback ?? 'base', scores, fallback: true, scanned };
  return { template: best, scores, fallback: false, scanned };
}
